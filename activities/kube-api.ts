// A few direct reads and deletes on the target cluster's API server, with the caller's (already validated and
// reduced) kubeconfig: StatefulSet readiness while helm waits, the release's JetStream claims on DELETE, and
// helm's own release records. The kubeconfig policy allows only inline credentials (token, basic auth, client
// certificate data) and no exec plugins, so a plain HTTPS client covers it; no proxy is ever followed here.
import { Agent, request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { LookupFunction } from 'node:net';
import { minimalParts } from '../src/domain/kubeconfig.js';
import { isPlainObject } from '../src/domain/values.js';
import { RefusedAddress } from './egress.js';

export interface KubeTarget {
  server: URL;
  agent: Agent;
  headers: Record<string, string>;
  /** The activity's cancellation: every call on this target stops with it. */
  signal?: AbortSignal;
  /** Resolves the server's name and checks the addresses at connect time (egress.ts). */
  lookup?: LookupFunction;
}

type Obj = Record<string, unknown>;

const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const b64 = (v: unknown): Buffer | undefined => (str(v) ? Buffer.from(v as string, 'base64') : undefined);

/** The current context's cluster and user of a minimal kubeconfig (one of each, as resolveKubeconfig makes it). */
export function kubeTarget(kubeconfig: Obj, signal?: AbortSignal, lookup?: LookupFunction): KubeTarget {
  const { cluster, user } = minimalParts(kubeconfig);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (str(user.token)) headers.Authorization = `Bearer ${user.token as string}`;
  else if (str(user.username)) headers.Authorization = `Basic ${Buffer.from(`${user.username as string}:${str(user.password) ?? ''}`).toString('base64')}`;
  const agent = new Agent({
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
    servername: str(cluster['tls-server-name']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    keepAlive: false,
  });
  return { server: new URL(String(cluster.server)), agent, headers, signal, lookup };
}

export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

const MAX_BODY = 32 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);
/** Budgets over helm's release records, all of them together: a cluster answers what it likes. */
export const RECORD_BUDGET = { items: 256, decodedBytes: 64 * 1024 * 1024, recordBytes: 8 * 1024 * 1024 };

/** A cluster answer beyond what the service will read or decode: the cluster's doing, not a passing fault. */
export class ClusterAnswerTooLarge extends KubeApiError {
  constructor(message: string) {
    super(message, 0);
    this.name = 'ClusterAnswerTooLarge';
  }
}

/** One API call; the body is never quoted in errors (it is the remote's text). */
export function kubeCall(
  t: KubeTarget,
  method: string,
  path: string,
  opts: { timeoutMs?: number; signal?: AbortSignal; body?: string; contentType?: string } = {},
): Promise<{ status: number; body: Obj }> {
  const url = new URL(path, t.server);
  const send = url.protocol === 'http:' ? httpRequest : request;
  return new Promise((resolve, reject) => {
    const headers = opts.body === undefined ? t.headers : { ...t.headers, 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(opts.body)) };
    const limitMs = opts.timeoutMs ?? 10_000;
    // a total deadline, not only an idle timeout: a server that drips a byte at a time is cut off all the same
    const deadline = setTimeout(() => req.destroy(new KubeApiError(`${method} ${url.pathname}: no answer within ${limitMs} ms (total deadline)`, 0)), limitMs);
    const req = send(url, { method, headers, agent: url.protocol === 'https:' ? t.agent : undefined, timeout: limitMs, signal: opts.signal ?? t.signal, lookup: t.lookup }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new ClusterAnswerTooLarge(`${method} ${url.pathname}: answer larger than ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        let body: Obj = {};
        try {
          body = asObj(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          // not JSON: the status alone decides
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new KubeApiError(`${method} ${url.pathname}: no answer within ${limitMs} ms`, 0)));
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (e) => reject(e instanceof KubeApiError || e instanceof RefusedAddress ? e : new KubeApiError(`${method} ${url.pathname}: ${(e as NodeJS.ErrnoException).code ?? 'request failed'}`, 0)));
    req.end(opts.body);
  });
}

const enc = encodeURIComponent;

/** Ready and desired replicas of a StatefulSet, or null when it does not exist (yet). */
export async function statefulSetReadiness(t: KubeTarget, namespace: string, name: string): Promise<{ ready: number; desired: number } | null> {
  const r = await kubeCall(t, 'GET', `/apis/apps/v1/namespaces/${enc(namespace)}/statefulsets/${enc(name)}`);
  if (r.status === 404) return null;
  if (r.status !== 200) throw new KubeApiError(`reading StatefulSet ${name}: HTTP ${r.status}`, r.status);
  const spec = asObj(r.body.spec);
  const status = asObj(r.body.status);
  return { ready: Number(status.readyReplicas ?? 0), desired: Number(spec.replicas ?? 1) };
}

/** A PersistentVolumeClaim and when the API server created it (RFC 3339, seconds). */
export interface Claim {
  name: string;
  created: string;
}

/** PersistentVolumeClaims the StatefulSet controller made for a release (they carry its selector labels), by name. */
export async function releaseClaims(t: KubeTarget, namespace: string, release: string): Promise<Claim[]> {
  const selector = enc(`app.kubernetes.io/instance=${release},app.kubernetes.io/component=nats`);
  const r = await kubeCall(t, 'GET', `/api/v1/namespaces/${enc(namespace)}/persistentvolumeclaims?labelSelector=${selector}`);
  if (r.status === 404) return [];
  if (r.status !== 200) throw new KubeApiError(`listing PersistentVolumeClaims: HTTP ${r.status}`, r.status);
  return (Array.isArray(r.body.items) ? r.body.items : [])
    .map((i) => asObj(asObj(i).metadata))
    .map((m) => ({ name: String(m.name), created: str(m.creationTimestamp) ?? '' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function deleteClaim(t: KubeTarget, namespace: string, name: string): Promise<void> {
  const r = await kubeCall(t, 'DELETE', `/api/v1/namespaces/${enc(namespace)}/persistentvolumeclaims/${enc(name)}`);
  if (r.status !== 200 && r.status !== 202 && r.status !== 404) throw new KubeApiError(`deleting PersistentVolumeClaim ${name}: HTTP ${r.status}`, r.status);
}

export interface StoredRelease {
  revision: number;
  status: string;
  /** The values the release was installed/upgraded with (helm's "user-supplied values"). */
  config: Obj;
  /** The rendered objects of this revision (multi-document YAML), as helm applied them. */
  manifest: string;
  /** The chart's version (chart.metadata.version), e.g. "2.14.2". */
  chartVersion: string | null;
  appVersion: string | null;
  /** When this revision was deployed (info.last_deployed, RFC 3339). */
  time: string | null;
  /** helm's description: "Install complete", "Upgrade complete", "Rollback to 1", or the failure. */
  description: string | null;
  /** The record's labels besides helm's own (e.g. exchange-id, set with `--labels`). */
  labels: Record<string, string>;
  /** When the API server stored this record (the Secret's creationTimestamp, RFC 3339, seconds). */
  created: string | null;
}

/** The labels helm itself puts on a release record. */
const HELM_LABELS = new Set(['owner', 'name', 'status', 'version', 'createdAt', 'modifiedAt']);

/**
 * helm's release records (Secrets `sh.helm.release.v1.<name>.v<n>`, labelled owner=helm), newest first. The
 * release is gzipped JSON, base64-encoded once more inside the Secret's data. One API call instead of a helm
 * process for each `helm history` / `helm get values`.
 */
export async function releaseRecords(t: KubeTarget, namespace: string, release: string): Promise<StoredRelease[]> {
  const selector = enc(`owner=helm,name=${release}`);
  const r = await kubeCall(t, 'GET', `/api/v1/namespaces/${enc(namespace)}/secrets?labelSelector=${selector}`);
  if (r.status === 404) return [];
  if (r.status !== 200) throw new KubeApiError(`listing helm release records: HTTP ${r.status}`, r.status);
  const out: StoredRelease[] = [];
  const items = Array.isArray(r.body.items) ? r.body.items : [];
  if (items.length > RECORD_BUDGET.items) throw new ClusterAnswerTooLarge(`the cluster lists ${items.length} release records for one release (at most ${RECORD_BUDGET.items} are read)`);
  let decoded = 0;
  for (const item of items) {
    const meta = asObj(asObj(item).metadata);
    const labels = asObj(meta.labels);
    const data = str(asObj(asObj(item).data).release);
    if (!data) continue;
    let parsed: Obj = {};
    let raw: Buffer;
    try {
      const inner = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
      // off the event loop (zlib's thread pool): other tenants' activities keep their heartbeats while a bomb inflates
      raw = inner[0] === 0x1f && inner[1] === 0x8b ? await gunzipAsync(inner, { maxOutputLength: RECORD_BUDGET.recordBytes }) : inner;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ClusterAnswerTooLarge(`a release record decompresses to more than ${RECORD_BUDGET.recordBytes} bytes`);
      continue;
    }
    decoded += raw.length;
    if (decoded > RECORD_BUDGET.decodedBytes) throw new ClusterAnswerTooLarge(`the release records decompress to more than ${RECORD_BUDGET.decodedBytes} bytes together`);
    try {
      parsed = asObj(JSON.parse(raw.toString('utf8')));
    } catch {
      continue;
    }
    const info = asObj(parsed.info);
    const chart = asObj(asObj(parsed.chart).metadata);
    out.push({
      revision: Number(labels.version ?? parsed.version ?? 0),
      status: str(labels.status) ?? str(info.status) ?? 'unknown',
      config: asObj(parsed.config),
      manifest: str(parsed.manifest) ?? '',
      chartVersion: str(chart.version) ?? null,
      appVersion: str(chart.appVersion) ?? null,
      time: str(info.last_deployed) ?? null,
      description: str(info.description) ?? null,
      labels: Object.fromEntries(Object.entries(labels).filter(([k, v]) => !HELM_LABELS.has(k) && typeof v === 'string')) as Record<string, string>,
      created: str(meta.creationTimestamp) ?? null,
    });
  }
  return out.sort((a, b) => b.revision - a.revision);
}

export type DryRunApply = { outcome: 'accepted' } | { outcome: 'refused'; status: number; reason: string } | { outcome: 'skipped'; reason: string };

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Discovery documents read so far, by group/version: one read per group/version and preview. */
export type Discovery = Map<string, Promise<ApiResource[]>>;

/** The resources one group/version serves (its discovery document); `discovery` caches them per call site. */
async function servedResources(t: KubeTarget, apiVersion: string, discovery: Discovery): Promise<ApiResource[]> {
  let found = discovery.get(apiVersion);
  if (!found) {
    found = kubeCall(t, 'GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`).then((r) => {
      if (r.status === 404) return [];
      if (r.status !== 200) throw new KubeApiError(`discovering ${apiVersion}: HTTP ${r.status}`, r.status);
      return (Array.isArray(r.body.resources) ? r.body.resources : [])
        .map((x) => asObj(x))
        .filter((x) => typeof x.name === 'string' && !x.name.includes('/'))
        .map((x) => ({ name: String(x.name), kind: String(x.kind), namespaced: x.namespaced === true }));
    });
    discovery.set(apiVersion, found);
  }
  return found;
}

/**
 * Server-side apply of one rendered object with dryRun=All (as helm's field manager, forcing conflicts): the API
 * server runs its validation and admission as for the real change (an immutable StatefulSet field is refused
 * here) and stores nothing. Only the API server's own short reason is kept from a refusal.
 */
export async function dryRunApply(t: KubeTarget, namespace: string, obj: Obj, discovery: Discovery): Promise<DryRunApply> {
  const apiVersion = str(obj.apiVersion);
  const kind = str(obj.kind);
  const name = str(asObj(obj.metadata).name);
  if (!apiVersion || !kind || !name) return { outcome: 'skipped', reason: 'the object has no apiVersion, kind or name' };
  const resource = (await servedResources(t, apiVersion, discovery)).find((r) => r.kind === kind);
  if (!resource) return { outcome: 'skipped', reason: `the API server does not serve ${kind} in ${apiVersion}` };
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scope = resource.namespaced ? `/namespaces/${enc(namespace)}` : '';
  const body = resource.namespaced ? { ...obj, metadata: { ...asObj(obj.metadata), namespace } } : obj;
  const path = `${base}${scope}/${resource.name}/${enc(name)}?dryRun=All&fieldManager=helm&force=true`;
  const r = await kubeCall(t, 'PATCH', path, { body: JSON.stringify(body), contentType: 'application/apply-patch+yaml' });
  if (r.status === 200 || r.status === 201) return { outcome: 'accepted' };
  if (r.status === 404 && asObj(r.body.details).kind === 'namespaces') return { outcome: 'skipped', reason: `namespace ${namespace} does not exist yet` };
  if (r.status === 401) throw new KubeApiError(`dry-run apply of ${kind} ${name}: HTTP 401`, 401);
  if (r.status === 400 || r.status === 403 || r.status === 409 || r.status === 422) {
    const said = str(r.body.message)?.slice(0, 600) ?? `HTTP ${r.status}`;
    return { outcome: 'refused', status: r.status, reason: said };
  }
  throw new KubeApiError(`dry-run apply of ${kind} ${name}: HTTP ${r.status}`, r.status);
}
