// A caller's kubeconfig is a credential and an instruction to the helm process. This module reduces it to the
// one context that will be used, refuses what would make the worker run commands or read its own files, and
// writes it to a private temp file that never outlives the helm call.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import yaml from 'js-yaml';

export type KubeconfigObject = Record<string, unknown>;

export interface KubeconfigIssue {
  /** Dotted path inside the kubeconfig, e.g. `users[0].user.exec`. */
  path: string;
  reason: string;
}

export interface KubeconfigPolicy {
  /** Allow `exec` / `auth-provider` users (runs commands on the worker). Default false. */
  allowExec: boolean;
  /** Allow file references (`tokenFile`, `client-certificate`, …) that read files on the worker. Default false. */
  allowFileReferences: boolean;
  /**
   * Hosts the cluster server may name: exact DNS names, `*.suffix` wildcards, IPs or CIDRs. Empty = any.
   * Names are matched as written (not resolved), so list names, not the addresses they resolve to.
   */
  serverAllowlist?: string[];
}

export const DEFAULT_KUBECONFIG_POLICY: KubeconfigPolicy = { allowExec: false, allowFileReferences: false };

export interface ResolvedKubeconfig {
  /** A kubeconfig with exactly one cluster, user and context, set current. */
  minimal: KubeconfigObject;
  contextName: string;
  clusterName: string;
  server: string;
}

export class KubeconfigError extends Error {
  constructor(readonly issues: KubeconfigIssue[]) {
    super(`invalid kubeconfig: ${issues.map((i) => (i.path ? `${i.path}: ${i.reason}` : i.reason)).join('; ')}`);
    this.name = 'KubeconfigError';
  }
}

const FILE_KEYS_USER = ['client-certificate', 'client-key', 'tokenFile'];
const FILE_KEYS_CLUSTER = ['certificate-authority'];
const EXEC_KEYS_USER = ['exec', 'auth-provider'];

function asObject(v: unknown): KubeconfigObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as KubeconfigObject) : undefined;
}

const MAX_NODES = 10_000;
const MAX_DEPTH = 32;

/**
 * Why a parsed kubeconfig is too big to carry on, if it is: more nodes than a serializer should walk (YAML aliases
 * count every time they are used, so a 1 KB "billion laughs" string is caught) or nesting deep enough to overflow
 * JSON.stringify. Every node is counted before it is queued, so the work done is bounded by the limit.
 */
function sizeProblem(root: unknown): string | undefined {
  let seen = 1;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels`;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    seen += children.length;
    if (seen > MAX_NODES) return `has more than ${MAX_NODES} nodes (YAML aliases count each time they are used)`;
    for (const c of children) stack.push([c, depth + 1]);
  }
  return undefined;
}

/** Pure: is `hostname` (as in a URL: IPv6 in brackets) covered by one of the allow-list entries? */
export function hostAllowed(hostname: string, allowlist: string[]): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(host);
  for (const raw of allowlist) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (family) {
      const [net, bits] = entry.split('/');
      const netFamily = net ? isIP(net) : 0;
      if (!netFamily || netFamily !== family) continue;
      const list = new BlockList();
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) list.addAddress(net as string, type);
      else list.addSubnet(net as string, Number(bits), type);
      if (list.check(host, type)) return true;
    } else if (entry.startsWith('*.')) {
      if (host.endsWith(entry.slice(1)) && host.length > entry.length - 1) return true;
    } else if (host === entry) {
      return true;
    }
  }
  return false;
}

/** Accepts the object the seed API takes, or a YAML/JSON string of it. */
export function parseKubeconfig(raw: unknown): KubeconfigObject {
  if (typeof raw === 'string') {
    let parsed: unknown;
    try {
      parsed = yaml.load(raw, { schema: yaml.JSON_SCHEMA });
    } catch {
      // the YAML parser's message quotes the input, which may hold a token
      throw new KubeconfigError([{ path: '', reason: 'is not valid YAML or JSON' }]);
    }
    const obj = asObject(parsed);
    if (!obj) throw new KubeconfigError([{ path: '', reason: 'must be a kubeconfig object' }]);
    return bounded(obj);
  }
  const obj = asObject(raw);
  if (!obj) throw new KubeconfigError([{ path: '', reason: 'must be an object (or a YAML/JSON string)' }]);
  return bounded(obj);
}

/** The minimal kubeconfig travels into the workflow input: its expanded size is bounded before anything walks it. */
function bounded(obj: KubeconfigObject): KubeconfigObject {
  const problem = sizeProblem(obj);
  if (problem) throw new KubeconfigError([{ path: '', reason: problem }]);
  return obj;
}

interface Named {
  index: number;
  name: string;
  body: KubeconfigObject;
}

function namedEntries(kc: KubeconfigObject, list: string, inner: string, issues: KubeconfigIssue[]): Named[] {
  const arr = kc[list];
  if (arr === undefined) return [];
  if (!Array.isArray(arr)) {
    issues.push({ path: list, reason: 'must be a list' });
    return [];
  }
  const out: Named[] = [];
  arr.forEach((entry, index) => {
    const e = asObject(entry);
    const name = e?.name;
    const body = asObject(e?.[inner]);
    if (typeof name !== 'string' || name === '' || !body) {
      issues.push({ path: `${list}[${index}]`, reason: `must have a name and a ${inner} object` });
      return;
    }
    out.push({ index, name, body });
  });
  return out;
}

/**
 * Picks the context helm will use (current-context, or the only context), checks that its cluster and user are
 * usable and safe under the policy, and returns a minimal kubeconfig holding only those.
 */
export function resolveKubeconfig(raw: unknown, policy: KubeconfigPolicy = DEFAULT_KUBECONFIG_POLICY): ResolvedKubeconfig {
  const kc = parseKubeconfig(raw);
  const issues: KubeconfigIssue[] = [];
  const contexts = namedEntries(kc, 'contexts', 'context', issues);
  const clusters = namedEntries(kc, 'clusters', 'cluster', issues);
  const users = namedEntries(kc, 'users', 'user', issues);
  if (issues.length) throw new KubeconfigError(issues);

  let context: Named | undefined;
  const current = kc['current-context'];
  if (typeof current === 'string' && current !== '') {
    context = contexts.find((c) => c.name === current);
    if (!context) throw new KubeconfigError([{ path: 'current-context', reason: `names context '${current}', which is not in contexts` }]);
  } else if (contexts.length === 1) {
    context = contexts[0];
  } else {
    throw new KubeconfigError([
      { path: 'current-context', reason: contexts.length === 0 ? 'no contexts defined' : 'must be set when there are several contexts' },
    ]);
  }
  if (!context) throw new KubeconfigError([{ path: 'contexts', reason: 'no usable context' }]);
  const ctxPath = `contexts[${context.index}].context`;
  const clusterName = context.body.cluster;
  const userName = context.body.user;
  if (typeof clusterName !== 'string' || clusterName === '') issues.push({ path: `${ctxPath}.cluster`, reason: 'is required' });
  if (typeof userName !== 'string' || userName === '') issues.push({ path: `${ctxPath}.user`, reason: 'is required' });
  if (issues.length) throw new KubeconfigError(issues);

  const cluster = clusters.find((c) => c.name === clusterName);
  const user = users.find((u) => u.name === userName);
  if (!cluster) issues.push({ path: `${ctxPath}.cluster`, reason: `names cluster '${String(clusterName)}', which is not in clusters` });
  if (!user) issues.push({ path: `${ctxPath}.user`, reason: `names user '${String(userName)}', which is not in users` });
  if (!cluster || !user) throw new KubeconfigError(issues);

  const cPath = `clusters[${cluster.index}].cluster`;
  const uPath = `users[${user.index}].user`;
  const server = cluster.body.server;
  if (typeof server !== 'string' || server === '') {
    issues.push({ path: `${cPath}.server`, reason: 'is required' });
  } else {
    let url: URL | undefined;
    try {
      url = new URL(server);
    } catch {
      issues.push({ path: `${cPath}.server`, reason: 'must be an http(s) URL' });
    }
    if (url && url.protocol !== 'https:' && url.protocol !== 'http:') issues.push({ path: `${cPath}.server`, reason: 'must be an http(s) URL' });
    else if (url && policy.serverAllowlist?.length && !hostAllowed(url.hostname, policy.serverAllowlist))
      issues.push({ path: `${cPath}.server`, reason: 'names a host outside the allowed list (KUBE_SERVER_ALLOWLIST)' });
  }
  if (!policy.allowFileReferences) {
    for (const k of FILE_KEYS_CLUSTER) if (k in cluster.body) issues.push({ path: `${cPath}.${k}`, reason: 'file references are not allowed; use the *-data field' });
    for (const k of FILE_KEYS_USER) if (k in user.body) issues.push({ path: `${uPath}.${k}`, reason: 'file references are not allowed; use the *-data field or token' });
  }
  if (!policy.allowExec) {
    for (const k of EXEC_KEYS_USER) if (k in user.body) issues.push({ path: `${uPath}.${k}`, reason: 'credential plugins are not allowed (they run commands on the worker)' });
  }
  const hasCredential = ['token', 'client-certificate-data', 'username', 'exec', 'auth-provider', 'tokenFile', 'client-certificate'].some(
    (k) => k in user.body,
  );
  if (!hasCredential) issues.push({ path: uPath, reason: 'has no credentials (token, client-certificate-data/client-key-data, or username/password)' });
  if ('client-certificate-data' in user.body && !('client-key-data' in user.body))
    issues.push({ path: `${uPath}.client-key-data`, reason: 'is required with client-certificate-data' });
  if (issues.length) throw new KubeconfigError(issues);

  const contextName = context.name;
  const minimal: KubeconfigObject = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: cluster.body }],
    users: [{ name: user.name, user: user.body }],
    contexts: [{ name: contextName, context: { ...context.body } }],
    'current-context': contextName,
  };
  return { minimal, contextName, clusterName: cluster.name, server: server as string };
}

/**
 * Writes the kubeconfig to a fresh 0700 directory as a 0600 file, runs `fn` with its path and removes the
 * directory on every path out.
 */
export async function withKubeconfigFile<T>(kubeconfig: KubeconfigObject, fn: (path: string) => Promise<T>, baseDir = tmpdir()): Promise<T> {
  const dir = await mkdtemp(join(baseDir, 'ned-kube-'));
  try {
    const file = join(dir, 'kubeconfig.yaml');
    await writeFile(file, yaml.dump(kubeconfig), { mode: 0o600, flag: 'wx' });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
