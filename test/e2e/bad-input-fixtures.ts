// Fixtures of bad-input.test.ts: the suite's namespace, release and markers, valid bodies to break, and the
// types of its case table (bad-input-cases.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKubeconfig, testKubeconfigToken } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Case {
  name: string;
  method: Method;
  /** Sent byte for byte: no client-side normalisation of `..` or percent-escapes. */
  path: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  /** Substrings the answer's `error` must contain (for the registry's 400s: its `details`, where it names fields). */
  error: string | string[];
  inDetails?: boolean;
}

export const NS = uniqueName('ns-bad');
const RELEASE = 'nats-bad-input';
export const REAL_KC = testKubeconfig();
export const REAL_TOKEN = testKubeconfigToken();
/** Planted in hostile kubeconfigs that never parse as an object; must never come back either. */
export const HOSTILE_TOKEN = `hostile-token-${randomBytes(12).toString('hex')}`;
export const markerDir = mkdtempSync(join(tmpdir(), 'ned-bad-input-'));
export const EXEC_MARKER = join(markerDir, 'exec-ran');
export const AUTH_PROVIDER_MARKER = join(markerDir, 'auth-provider-ran');
export const SYSTEM_ID = randomUUID();

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
export type Obj = Record<string, unknown>;

/** The real, working kubeconfig with its user and/or cluster replaced or extended, plus top-level overrides. */
export function kc(opts: { user?: Obj; cluster?: Obj; top?: Obj } = {}): Obj {
  const k = clone(REAL_KC) as { users: Array<{ user: Obj }>; clusters: Array<{ cluster: Obj }> } & Obj;
  if (opts.user) k.users[0]!.user = { ...k.users[0]!.user, ...opts.user };
  if (opts.cluster) k.clusters[0]!.cluster = { ...k.clusters[0]!.cluster, ...opts.cluster };
  return { ...k, ...opts.top };
}

export const validPost = (over: Obj = {}): Obj => ({
  kubeconfig: REAL_KC,
  helm_values: { 'config.jetstream.enabled': true },
  release_name: RELEASE,
  org_ids: 'org001,org002',
  cluster_id: 'local-test-cluster',
  name: 'Bad Input Suite',
  namespace: NS,
  ...over,
});
export const validPut = (over: Obj = {}): Obj => ({ kubeconfig: REAL_KC, release_name: RELEASE, namespace: NS, helm_values: { 'config.cluster.replicas': 3 }, ...over });
export const validDelete = (over: Obj = {}): Obj => ({ kubeconfig: REAL_KC, release_name: RELEASE, namespace: NS, ...over });
export const validBackbone = (over: Obj = {}): Obj => ({
  system_id: randomUUID(),
  name: 'Bad Input Backbone',
  release_name: RELEASE,
  namespace: NS,
  cluster_id: 'local-test-cluster',
  org_ids: ['org001'],
  public_url: 'nats://127.0.0.1:4222',
  ...over,
});

export function without(o: Obj, ...keys: string[]): Obj {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

/** JSON text with a placeholder string replaced by raw JSON (numbers JSON.stringify cannot write, deep nesting). */
export const withRaw = (o: Obj, placeholder: string, raw: string): string => JSON.stringify(o).replace(JSON.stringify(placeholder), raw);
export const nestedObject = (depth: number): Obj => (depth === 0 ? { leaf: 1 } : { n: nestedObject(depth - 1) });
export const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

export const YAML_BOMB = [
  'apiVersion: v1',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((l, i) => `${l}: &${l} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  `clusters: [{name: c, cluster: {server: "${String((REAL_KC.clusters as Array<{ cluster: { server: string } }>)[0]!.cluster.server)}", laughs: *i}}]`,
  `users: [{name: u, user: {token: "${HOSTILE_TOKEN}", laughs: *i}}]`,
  'contexts: [{name: x, context: {cluster: c, user: u}}]',
  'current-context: x',
].join('\n');
