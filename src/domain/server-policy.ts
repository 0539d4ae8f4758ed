// Where a caller's kubeconfig may send the worker's helm. The worker sits inside our network, so a server (or
// proxy) naming loopback, a private range or a cloud metadata endpoint would turn helm into a probe of our own
// infrastructure: such addresses are refused unless the operator's allow-list (KUBE_SERVER_ALLOWLIST) names them.
// Names are judged as written; DNS is not resolved here.
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

type Entry = { kind: 'cidr'; net: Address; bits: number } | { kind: 'name'; name: string } | { kind: 'suffix'; suffix: string };

/** A kubeconfig URL longer than this is refused before it is parsed. */
export const MAX_SERVER_URL_LENGTH = 2048;

export class AllowlistError extends Error {
  constructor(entry: string) {
    super(`KUBE_SERVER_ALLOWLIST entry '${entry.slice(0, 200)}' is not a valid hostname, *.suffix, IP address or CIDR`);
    this.name = 'AllowlistError';
  }
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
// WHATWG URL treats a host whose last label is a number as IPv4, so such a "name" can never match a hostname
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|\d+)$/;

/** Strips the trailing dots of a fully qualified name (`localhost.` is `localhost`) without a regex. */
function withoutTrailingDots(name: string): string {
  let end = name.length;
  while (end > 0 && name.charCodeAt(end - 1) === 0x2e) end--;
  return name.slice(0, end);
}

function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((l) => LABEL.test(l)) && !NUMERIC_LABEL.test(labels[labels.length - 1] ?? '');
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function parseEntry(raw: string): Entry {
  const entry = unbracket(raw.trim().toLowerCase());
  if (entry.includes('/')) {
    try {
      const [net, bits] = ipaddr.parseCIDR(entry);
      return { kind: 'cidr', net, bits };
    } catch {
      throw new AllowlistError(raw);
    }
  }
  if (ipaddr.isValid(entry)) {
    const net = ipaddr.process(entry);
    return { kind: 'cidr', net, bits: net.kind() === 'ipv4' ? 32 : 128 };
  }
  const name = withoutTrailingDots(entry);
  if (name.startsWith('*.') && isHostname(name.slice(2))) return { kind: 'suffix', suffix: name.slice(1) };
  if (isHostname(name)) return { kind: 'name', name };
  throw new AllowlistError(raw);
}

// parsed once per policy list (every request checks against it); a policy's list is not changed after it is built
const parsedLists = new WeakMap<readonly string[], Entry[]>();

/** Parses the allow-list; throws AllowlistError naming the first entry that is not a hostname, IP or CIDR. */
export function parseAllowlist(list: readonly string[]): Entry[] {
  const cached = parsedLists.get(list);
  if (cached) return cached;
  const entries = list.filter((e) => e.trim() !== '').map(parseEntry);
  parsedLists.set(list, entries);
  return entries;
}

/** The config-time check: the process refuses to start with an allow-list entry it cannot understand. */
export function validateAllowlist(list: string[]): string[] {
  parseAllowlist(list);
  return list;
}

/** Canonical form of a host as the WHATWG URL parser sees it (`0x7f.1` → `127.0.0.1`), or the input if it is no host. */
function canonicalHost(host: string): string {
  try {
    return new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`).hostname;
  } catch {
    return host.toLowerCase();
  }
}

/** The address a URL hostname names, IPv4-mapped IPv6 as IPv4, or undefined for a DNS name. */
function addressOf(hostname: string): { address: Address; raw: Address } | undefined {
  const bare = unbracket(hostname);
  if (!ipaddr.isValid(bare)) return undefined;
  return { address: ipaddr.process(bare), raw: ipaddr.parse(bare) };
}

function matches(a: Address, e: Entry & { kind: 'cidr' }): boolean {
  return a.kind() === e.net.kind() && a.match(e.net, e.bits);
}

/** Pure: is `hostname` (as in a URL: IPv6 in brackets) covered by one of the allow-list entries? */
export function hostAllowed(hostname: string, allowlist: readonly string[]): boolean {
  const host = canonicalHost(hostname);
  const ip = addressOf(host);
  const name = withoutTrailingDots(host);
  return parseAllowlist(allowlist).some((e) => {
    if (e.kind === 'cidr') return ip !== undefined && (matches(ip.address, e) || matches(ip.raw, e));
    if (ip) return false;
    if (e.kind === 'name') return name === e.name;
    return name.endsWith(e.suffix) && name.length > e.suffix.length;
  });
}

const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((a) => ipaddr.parse(a));

const RANGE_REASONS: Record<string, string> = {
  loopback: 'a loopback address',
  linkLocal: 'a link-local/metadata address',
  private: 'a private (RFC 1918) address',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10) address',
  uniqueLocal: 'a unique local (fc00::/7) address',
  unspecified: 'an unspecified address',
};

function v4(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/** The IPv4 address an IPv6 one carries: IPv4-compatible (::/96), SIIT (::ffff:0:0:0/96), NAT64 (64:ff9b::/96), 6to4. */
function embeddedIPv4(a: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = a.parts;
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 6) || (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) || (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)))
    return v4(p[6] ?? 0, p[7] ?? 0);
  if (p[0] === 0x2002) return v4(p[1] ?? 0, p[2] ?? 0);
  return undefined;
}

function addressReason(a: Address): string | undefined {
  if (METADATA_ADDRESSES.some((m) => m.kind() === a.kind() && m.toNormalizedString() === a.toNormalizedString()))
    return a.range() === 'linkLocal' ? 'a link-local/metadata address' : 'a cloud metadata address';
  const range = RANGE_REASONS[a.range()];
  if (range) return range;
  if (a instanceof ipaddr.IPv6) {
    const inner = embeddedIPv4(a);
    const innerReason = inner && addressReason(inner);
    if (inner && innerReason) return `an IPv6 address embedding ${inner.toString()} (${innerReason})`;
  }
  return undefined;
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'localhost6', 'localhost6.localdomain6', 'ip6-localhost', 'ip6-loopback']);

function nameReason(name: string): string | undefined {
  if (LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')) return 'a loopback name';
  if (name === 'metadata' || name.startsWith('metadata.')) return 'a cloud metadata name';
  return undefined;
}

/** Why the policy refuses this URL hostname when the allow-list does not name it, if it does. */
export function internalHostReason(hostname: string): string | undefined {
  const host = canonicalHost(hostname);
  const ip = addressOf(host);
  if (!ip) return nameReason(withoutTrailingDots(host));
  const reason = addressReason(ip.address);
  // an IPv4-mapped IPv6 host is judged as the IPv4 address it reaches; say which
  return reason && ip.address.kind() !== ip.raw.kind() ? `${reason} (${ip.address.toString()})` : reason;
}

const SCHEMES: Record<'server' | 'proxy-url', { protocols: string[]; name: string }> = {
  server: { protocols: ['https:', 'http:'], name: 'http(s)' },
  'proxy-url': { protocols: ['https:', 'http:', 'socks5:'], name: 'http(s) or socks5' },
};

/**
 * Why a kubeconfig cluster's `server` or `proxy-url` may not be used, if it may not: not a string, too long,
 * not a URL of an allowed scheme, an internal address the allow-list does not name, or (with a non-empty
 * allow-list) any host it does not name. The reason quotes the hostname only, never the rest of the URL.
 */
export function urlProblem(value: unknown, field: 'server' | 'proxy-url', allowlist: readonly string[] = []): string | undefined {
  if (typeof value !== 'string' || value === '') return field === 'server' ? 'is required' : 'must be a URL';
  if (value.length > MAX_SERVER_URL_LENGTH) return `must be at most ${MAX_SERVER_URL_LENGTH} characters`;
  const scheme = SCHEMES[field];
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !scheme.protocols.includes(url.protocol) || url.hostname === '') return `must be an ${scheme.name} URL`;
  if (hostAllowed(url.hostname, allowlist)) return undefined;
  const shown = url.hostname.length > 100 ? `${url.hostname.slice(0, 100)}…` : url.hostname;
  const internal = internalHostReason(url.hostname);
  if (internal) return `${shown} is ${internal}; not allowed unless KUBE_SERVER_ALLOWLIST names it`;
  if (allowlist.some((e) => e.trim() !== '')) return 'names a host outside the allowed list (KUBE_SERVER_ALLOWLIST)';
  return undefined;
}
