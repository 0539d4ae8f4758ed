// Addresses, not names: every connection the worker makes to a caller's cluster resolves the name and checks the
// address at connect time against the server policy (loopback, private, link-local, metadata… closed unless
// KUBE_SERVER_ALLOWLIST names the host), and connects to the address it checked (no second lookup to rebind).
// - the worker's own reads (kube-api.ts) get `checkedLookup` as their socket's lookup;
// - helm gets HTTPS_PROXY/HTTP_PROXY pointing at `startEgressProxy`, a CONNECT proxy on loopback inside the worker
//   that does the same for every connection helm opens (Go never proxies a literal loopback address or the name
//   `localhost`, and the kubeconfig policy already refuses those as written).
import { lookup as dnsLookup } from 'node:dns';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type LookupFunction, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { hostAllowed, internalHostReason } from '../src/domain/server-policy.js';

/** A name whose addresses the policy refuses; the message names the host, never the rest of the URL. */
export class RefusedAddress extends Error {
  readonly code = 'ENEDREFUSED';
  constructor(host: string, address: string, reason: string) {
    super(`${host.slice(0, 100)} resolves to ${address}, ${reason}; not allowed unless KUBE_SERVER_ALLOWLIST names it`);
    this.name = 'RefusedAddress';
  }
}

/**
 * Why `address` (what `host` resolved to, or `host` itself when it is an IP) may not be connected to, if it may not:
 * an internal address, unless the allow-list names the host or the address (an IP or CIDR).
 */
function refusal(host: string, address: string, allowlist: readonly string[]): RefusedAddress | undefined {
  if (hostAllowed(host, allowlist) || hostAllowed(address, allowlist)) return undefined;
  const reason = internalHostReason(address);
  return reason ? new RefusedAddress(host, address, reason) : undefined;
}

/** Resolves `host` and returns its first address, or throws RefusedAddress when any address is internal. */
export function resolveChecked(host: string, allowlist: readonly string[]): Promise<{ address: string; family: number }> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (err, addresses) => {
      if (err) return reject(err);
      if (!addresses.length) return reject(Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' }));
      const refused = addresses.map((a) => refusal(host, a.address, allowlist)).find((r) => r !== undefined);
      if (refused) return reject(refused);
      resolve(addresses[0]!);
    });
  });
}

/** A socket `lookup` that checks what it resolves (literal IPs never reach it: the policy judged them as written). */
export function checkedLookup(allowlist: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, allowlist).then(
      (a) => {
        if ((options as { all?: boolean }).all) (callback as (e: null, list: Array<{ address: string; family: number }>) => void)(null, [a]);
        else callback(null, a.address, a.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function splitHostPort(authority: string): { host: string; port: number } | null {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(authority);
  if (!m) return null;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!, port } : null;
}

async function target(host: string, port: number, allowlist: readonly string[]): Promise<{ address: string; port: number }> {
  if (isIP(host)) {
    const refused = refusal(host, host, allowlist);
    if (refused) throw refused;
    return { address: host, port };
  }
  const a = await resolveChecked(host, allowlist);
  return { address: a.address, port };
}

export interface EgressProxy {
  url: string;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 (a random port). Refused connections answer 403 and close. */
export async function startEgressProxy(allowlist: readonly string[]): Promise<EgressProxy> {
  const sockets = new Set<Socket | Duplex>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // plain-http clusters: an absolute URI, forwarded to the checked address with the original Host header
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    target(url.hostname, Number(url.port || 80), allowlist).then(
      (t) => {
        const up = httpRequest({ host: t.address, port: t.port, method: req.method, path: url.pathname + url.search, headers: { ...req.headers, host: url.host } }, (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        });
        up.on('error', () => res.destroy());
        req.pipe(up);
      },
      (err: Error) => res.writeHead(err instanceof RefusedAddress ? 403 : 502, { 'Content-Type': 'text/plain' }).end(err.message),
    );
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const hp = splitHostPort(req.url ?? '');
    if (!hp) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    target(hp.host, hp.port, allowlist).then(
      (t) => {
        const up = connect({ host: t.address, port: t.port });
        sockets.add(up);
        up.on('close', () => sockets.delete(up));
        up.once('connect', () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) up.write(head);
          up.pipe(client);
          client.pipe(up);
        });
        up.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
        client.on('close', () => up.destroy());
      },
      (err: Error) => client.end(`HTTP/1.1 ${err instanceof RefusedAddress ? '403 Forbidden' : '502 Bad Gateway'}\r\n\r\n`),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  // it serves helm processes of this worker; it does not keep the worker alive
  server.unref();
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
