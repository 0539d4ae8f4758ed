// What the worker reads from a tenant's cluster is bounded: a fake API server on loopback answers with gzip bombs,
// too many records and a drip, and each read ends quickly with a clear error instead of exhausting the worker.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ClusterAnswerTooLarge, kubeCall, KubeApiError, kubeTarget, RECORD_BUDGET, releaseRecords } from '../../../activities/kube-api.js';

let server: Server;
let answer: (res: ServerResponse) => void = (res) => res.end('{}');
let base = '';

beforeAll(async () => {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const target = () => kubeTarget({ clusters: [{ cluster: { server: base } }], users: [{ user: { token: 't' } }] });
/** A helm release record whose payload is `inner` gzipped (base64 twice, as helm stores it in a Secret). */
const record = (n: number, inner: Buffer) => ({
  metadata: { name: `sh.helm.release.v1.x.v${n}`, labels: { owner: 'helm', name: 'x', version: String(n), status: 'superseded' } },
  data: { release: Buffer.from(gzipSync(inner).toString('base64')).toString('base64') },
});
const list = (items: unknown[]) => (res: ServerResponse) => res.end(JSON.stringify({ items }));

describe('reads from a cluster are bounded', () => {
  it('one record that decompresses past the per-record budget is refused, not decoded', async () => {
    answer = list([record(1, Buffer.alloc(RECORD_BUDGET.recordBytes + 1, 0x20))]);
    await expect(releaseRecords(target(), 'ns', 'x')).rejects.toThrow(ClusterAnswerTooLarge);
  });

  it('many small gzip bombs together are refused at the total budget', async () => {
    const bomb = Buffer.alloc(RECORD_BUDGET.recordBytes - 1024, 0x20);
    const items = Array.from({ length: Math.ceil(RECORD_BUDGET.decodedBytes / bomb.length) + 1 }, (_, i) => record(i + 1, bomb));
    answer = list(items);
    const before = process.memoryUsage().rss;
    await expect(releaseRecords(target(), 'ns', 'x')).rejects.toThrow(/together/);
    // the worker kept at most the budget (plus the list itself), not every bomb
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('a list with more records than the item budget is refused before any is decoded', async () => {
    const small = record(1, Buffer.from('{}'));
    answer = list(Array.from({ length: RECORD_BUDGET.items + 1 }, () => small));
    await expect(releaseRecords(target(), 'ns', 'x')).rejects.toThrow(/at most 256 are read/);
  });

  it('an answer that drips a byte at a time ends at the total deadline, not at an idle timeout', async () => {
    answer = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const t = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(t));
    };
    const started = Date.now();
    await expect(kubeCall(target(), 'GET', '/api/v1/namespaces/ns/secrets', { timeoutMs: 800 })).rejects.toThrow(KubeApiError);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
