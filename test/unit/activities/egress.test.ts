// Addresses, not names: the worker's own reads and helm's connections resolve a cluster's name and check the
// addresses at connect time. Real DNS (this machine's own host name, which resolves to a loopback address here),
// real sockets on loopback, and the real helm binary where the toolchain is present.
import { lookup } from 'node:dns/promises';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { checkedLookup, RefusedAddress, resolveChecked, startEgressProxy } from '../../../activities/egress.js';
import { kubeCall, kubeTarget } from '../../../activities/kube-api.js';

const NAME = hostname();
let server: Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  // the test needs a name that resolves to an address the policy closes; a machine's own host name does
  const { address } = await lookup(NAME);
  if (!/^127\.|^::1$/.test(address)) throw new Error(`this test expects ${NAME} to resolve to a loopback address (it resolves to ${address})`);
  server = createServer((_req, res) => {
    hits++;
    res.end('{"items":[]}');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

describe('connect-time address checks', () => {
  it('a name that resolves to loopback is refused unless the allow-list names it', async () => {
    await expect(resolveChecked(NAME, [])).rejects.toThrow(RefusedAddress);
    await expect(resolveChecked(NAME, [])).rejects.toThrow(new RegExp(`${NAME} resolves to 127\\.[0-9.]+, a loopback address`));
    await expect(resolveChecked(NAME, [NAME])).resolves.toMatchObject({ address: expect.stringMatching(/^127\./) });
    await expect(resolveChecked(NAME, ['127.0.0.0/8'])).resolves.toMatchObject({ address: expect.stringMatching(/^127\./) });
  });

  it("the worker's own reads check the address before connecting: nothing reaches the server", async () => {
    const kc = { clusters: [{ cluster: { server: `http://${NAME}:${port}` } }], users: [{ user: { token: 't' } }] };
    const before = hits;
    await expect(kubeCall(kubeTarget(kc, undefined, checkedLookup([])), 'GET', '/api/v1/namespaces/x/secrets')).rejects.toThrow(RefusedAddress);
    expect(hits).toBe(before);
    await expect(kubeCall(kubeTarget(kc, undefined, checkedLookup([NAME])), 'GET', '/api/v1/namespaces/x/secrets')).resolves.toMatchObject({ status: 200 });
    expect(hits).toBe(before + 1);
  });

  it('the egress proxy refuses a CONNECT to such a name (403) and tunnels one the allow-list names', async () => {
    const connectVia = async (proxyUrl: string): Promise<string> => {
      const u = new URL(proxyUrl);
      const s = connect(Number(u.port), u.hostname);
      s.write(`CONNECT ${NAME}:${port} HTTP/1.1\r\nHost: ${NAME}:${port}\r\n\r\n`);
      const first = await new Promise<string>((ok) => s.once('data', (d: Buffer) => ok(d.toString('latin1'))));
      if (first.startsWith('HTTP/1.1 200')) {
        s.write(`GET /x HTTP/1.1\r\nHost: ${NAME}\r\nConnection: close\r\n\r\n`);
        const body = await new Promise<string>((ok) => {
          let text = '';
          s.on('data', (d: Buffer) => (text += d.toString('latin1')));
          s.on('end', () => ok(text));
        });
        return `${first.split('\r\n')[0]} | ${body.includes('"items"') ? 'tunnelled' : 'no answer'}`;
      }
      s.destroy();
      return first.split('\r\n')[0]!;
    };
    const closed = await startEgressProxy([]);
    const open = await startEgressProxy([NAME]);
    try {
      const before = hits;
      expect(await connectVia(closed.url)).toBe('HTTP/1.1 403 Forbidden');
      expect(hits).toBe(before);
      expect(await connectVia(open.url)).toBe('HTTP/1.1 200 Connection Established | tunnelled');
    } finally {
      await closed.close();
      await open.close();
    }
  });

  const helmBin = join(process.env.HOME ?? '/root', '.cache/nats-exchange-deployer/bin/helm-4.3.1');
  (existsSync(helmBin) ? it : it.skip)('helm itself goes through the proxy and is refused there (real helm binary)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ned-egress-'));
    const proxy = await startEgressProxy([]);
    try {
      const kc = join(dir, 'kubeconfig.yaml');
      writeFileSync(
        kc,
        `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://${NAME}:${port}", insecure-skip-tls-verify: true}}]\n` +
          'users: [{name: u, user: {token: x}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
      );
      const before = hits;
      const r = await execa(helmBin, ['list', '--kubeconfig', kc], { reject: false, extendEnv: false, env: { HOME: dir, HTTPS_PROXY: proxy.url } });
      expect(r.exitCode).not.toBe(0);
      expect(String(r.stderr)).toContain('Forbidden');
      expect(hits).toBe(before);
    } finally {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
