// A caller's kubeconfig is a credential and an instruction to the helm process. This module reduces it to the
// one context that will be used and refuses what would make the worker run commands or read its own files
// (pure: the API and the worker both use it). Writing it for helm is activities/kubeconfig-file.ts.
import yaml from 'js-yaml';
import { MAX_VALUES_DEPTH } from './limits.js';
import { urlProblem } from './server-policy.js';
export { hostAllowed } from './server-policy.js';

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
   * Hosts the cluster server (and proxy-url) may name: exact DNS names, `*.suffix` wildcards, IPs or CIDRs.
   * Empty = any public host; loopback, link-local, private and metadata addresses (and `localhost`, `metadata.*`)
   * only when listed. Non-empty = only the listed hosts. Names are matched as written (not resolved).
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

/** The parts of a minimal kubeconfig the service reads (its one cluster and user), for every reader in one place. */
export interface MinimalParts {
  cluster: Record<string, unknown>;
  user: Record<string, unknown>;
  /** How many clusters it names (a minimal kubeconfig: exactly one). */
  clusterCount: number;
}

const objectOr = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The cluster and user of a minimal kubeconfig (as resolveKubeconfig makes it); empty objects where absent. */
export function minimalParts(minimal: KubeconfigObject): MinimalParts {
  const clusters = Array.isArray(minimal.clusters) ? (minimal.clusters as unknown[]) : [];
  const users = Array.isArray(minimal.users) ? (minimal.users as unknown[]) : [];
  return { cluster: objectOr(objectOr(clusters[0]).cluster), user: objectOr(objectOr(users[0]).user), clusterCount: clusters.length };
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
/** Longest kubeconfig text, and longest string (certificate data included) or key inside a kubeconfig. */
export const MAX_KUBECONFIG_TEXT = 256 * 1024;
export const MAX_KUBECONFIG_STRING = 64 * 1024;
// keys are YAML nodes too, so the parser may see about twice as many nodes as the walk below counts values
const MAX_YAML_NODES = 2 * MAX_NODES;
const ALIAS_REASON = `has more than ${MAX_NODES} nodes or uses YAML anchors/aliases (too many YAML nodes / aliases not allowed)`;

interface Crumb {
  key: string;
  up: Crumb | undefined;
}

function pathOf(crumb: Crumb | undefined): string {
  let out = '';
  for (let c = crumb; c; c = c.up) out = c.key + out;
  return out.startsWith('.') ? out.slice(1) : out;
}

/**
 * Why a parsed kubeconfig is too big to carry on, if it is: more nodes than a serializer should walk, an object
 * reached twice (only a YAML alias does that: refused before anything expands it), nesting deep enough to overflow
 * JSON.stringify, or an oversized string. Every node is counted before it is queued, so the work is bounded.
 */
function sizeProblem(root: unknown): KubeconfigIssue | undefined {
  let seen = 1;
  const visited = new Set<object>();
  const stack: [unknown, number, Crumb | undefined][] = [[root, 0, undefined]];
  while (stack.length > 0) {
    const [node, depth, crumb] = stack.pop() as [unknown, number, Crumb | undefined];
    if (typeof node === 'string' && node.length > MAX_KUBECONFIG_STRING) return { path: pathOf(crumb), reason: `must be at most ${MAX_KUBECONFIG_STRING} characters` };
    if (typeof node !== 'object' || node === null) continue;
    if (visited.has(node)) return { path: '', reason: ALIAS_REASON };
    visited.add(node);
    if (depth >= MAX_VALUES_DEPTH) return { path: '', reason: `is nested deeper than ${MAX_VALUES_DEPTH} levels` };
    const isArray = Array.isArray(node);
    const keys = isArray ? [] : Object.keys(node);
    seen += isArray ? node.length : keys.length;
    if (seen > MAX_NODES) return { path: '', reason: `has more than ${MAX_NODES} nodes` };
    if (isArray) node.forEach((c: unknown, i) => stack.push([c, depth + 1, { key: `[${i}]`, up: crumb }]));
    for (const k of keys) {
      if (k.length > MAX_KUBECONFIG_STRING) return { path: pathOf(crumb), reason: `has a key longer than ${MAX_KUBECONFIG_STRING} characters` };
      stack.push([(node as KubeconfigObject)[k], depth + 1, { key: `.${k}`, up: crumb }]);
    }
  }
  return undefined;
}

class YamlRefused extends Error {}

/**
 * js-yaml has no alias limit, so its parse-event listener stops the parse: at too many nodes, and at the first
 * alias (the only node that closes with a value but no kind). A kubeconfig written by kubectl has no aliases.
 */
function loadYaml(raw: string): unknown {
  let nodes = 0;
  return yaml.load(raw, {
    schema: yaml.JSON_SCHEMA,
    listener: (event, state) => {
      if (event === 'open' && ++nodes > MAX_YAML_NODES) throw new YamlRefused();
      if (event === 'close' && state.kind == null && state.result != null) throw new YamlRefused();
    },
  });
}

/** Accepts the object the seed API takes, or a YAML/JSON string of it. */
export function parseKubeconfig(raw: unknown): KubeconfigObject {
  if (typeof raw === 'string') {
    if (raw.length > MAX_KUBECONFIG_TEXT) throw new KubeconfigError([{ path: '', reason: `must be at most ${MAX_KUBECONFIG_TEXT} characters` }]);
    let parsed: unknown;
    try {
      parsed = loadYaml(raw);
    } catch (err) {
      if (err instanceof YamlRefused) throw new KubeconfigError([{ path: '', reason: ALIAS_REASON }]);
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
  if (problem) throw new KubeconfigError([problem]);
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
  const serverProblem = urlProblem(server, 'server', policy.serverAllowlist);
  if (serverProblem) issues.push({ path: `${cPath}.server`, reason: serverProblem });
  // helm connects through the proxy: it is as much a destination as the server
  const proxyProblem = 'proxy-url' in cluster.body ? urlProblem(cluster.body['proxy-url'], 'proxy-url', policy.serverAllowlist) : undefined;
  if (proxyProblem) issues.push({ path: `${cPath}.proxy-url`, reason: proxyProblem });
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
  // helm (client-go) gets the parsed URL: dot segments resolved, `%2e` decoded, so no server string can climb out
  // of a cache directory keyed by it
  const normalised = normaliseServer(server as string);
  const minimal: KubeconfigObject = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: normalised === server ? cluster.body : { ...cluster.body, server: normalised } }],
    users: [{ name: user.name, user: user.body }],
    contexts: [{ name: contextName, context: { ...context.body } }],
    'current-context': contextName,
  };
  return { minimal, contextName, clusterName: cluster.name, server: normalised };
}

/** The URL as WHATWG parses it (no `..`, no percent-encoded dots), without the slash the parser adds to a bare host. */
export function normaliseServer(server: string): string {
  const url = new URL(server);
  const href = url.href;
  return url.pathname === '/' && !url.search && !url.hash && !server.endsWith('/') ? href.slice(0, -1) : href;
}
