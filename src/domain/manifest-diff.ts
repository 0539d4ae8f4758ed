// What a release renders, object by object: helm's multi-document manifest parsed into objects, each named by
// kind and name and identified by a digest (sha256 of its canonical JSON), and the difference between two
// renders (the live release and a dry run). Pure: the preview activity and the unit tests use it.
import { createHash } from 'node:crypto';
import { canonicalJson as canonicalJsonOf, CanonicalJsonError } from './canonical-json.js';
import yaml from 'js-yaml';

export type ObjectBody = Record<string, unknown>;

export interface ObjectRef {
  kind: string;
  name: string;
  /** sha256 (hex) of the object's canonical JSON. */
  digest: string;
}

export interface RenderedObject extends ObjectRef {
  apiVersion: string;
  object: ObjectBody;
}

export interface ObjectChange {
  kind: string;
  name: string;
  old_digest: string;
  new_digest: string;
}

export interface ManifestDiff {
  added: ObjectRef[];
  removed: ObjectRef[];
  changed: ObjectChange[];
  /** How many objects render the same before and after. */
  unchanged: number;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Canonical JSON of an object read from a manifest; the bounds' errors are the manifest's. */
export function canonicalJson(value: unknown): string {
  try {
    return canonicalJsonOf(value);
  } catch (err) {
    if (err instanceof CanonicalJsonError) throw new ManifestError(err.message);
    throw err;
  }
}

export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

const isObject = (v: unknown): v is ObjectBody => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * helm's manifest (YAML documents separated by `---`, with `# Source:` comments) as objects, in manifest order.
 * YAML's core schema: no timestamps or binary, so a value reads the same in every render. Empty documents are
 * skipped; a document that is not an object with a kind and a name is an error (helm would refuse it too).
 */
export function parseManifest(text: string): RenderedObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, null, { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new ManifestError(`the rendered manifest is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  // a manifest read back from a cluster is the cluster's text: an alias makes js-yaml share one node in several
  // places, and a chain of them is exponential to walk (digest, diff). Refuse any shared node, and huge trees.
  const problem = sharedOrHuge(docs);
  if (problem) throw new ManifestError(problem);
  const out: RenderedObject[] = [];
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue;
    if (!isObject(doc)) throw new ManifestError('a rendered document is not an object');
    const kind = typeof doc.kind === 'string' ? doc.kind : '';
    const name = isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '';
    if (!kind || !name) throw new ManifestError('a rendered object has no kind or no metadata.name');
    out.push({ kind, name, apiVersion: typeof doc.apiVersion === 'string' ? doc.apiVersion : '', digest: digestOf(doc), object: doc });
  }
  return out;
}

/** Most nodes (maps and lists) a manifest may hold: the chart renders a few thousand. */
export const MAX_MANIFEST_NODES = 200_000;

/** Why the parsed documents cannot be walked safely (a node reached twice: a YAML alias; too many nodes), if so. */
function sharedOrHuge(docs: unknown[]): string | undefined {
  const seen = new Set<object>();
  const stack: unknown[] = [...docs];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (seen.has(node)) return 'the manifest uses YAML aliases, which are refused in YAML read from a cluster';
    seen.add(node);
    if (seen.size > MAX_MANIFEST_NODES) return `the manifest has more than ${MAX_MANIFEST_NODES} maps and lists`;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push(child);
  }
  return undefined;
}

const keyOf = (o: { kind: string; name: string }) => `${o.kind}/${o.name}`;
const byKindThenName = (a: { kind: string; name: string }, b: { kind: string; name: string }) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);

/** Objects only `after` has (added), only `before` has (removed), and those both have with other content (changed). */
export function diffManifests(before: readonly ObjectRef[], after: readonly ObjectRef[]): ManifestDiff {
  const old = new Map(before.map((o) => [keyOf(o), o]));
  const now = new Map(after.map((o) => [keyOf(o), o]));
  const added: ObjectRef[] = [];
  const changed: ObjectChange[] = [];
  let unchanged = 0;
  for (const [key, o] of now) {
    const was = old.get(key);
    if (!was) added.push({ kind: o.kind, name: o.name, digest: o.digest });
    else if (was.digest !== o.digest) changed.push({ kind: o.kind, name: o.name, old_digest: was.digest, new_digest: o.digest });
    else unchanged++;
  }
  const removed = [...old].filter(([key]) => !now.has(key)).map(([, o]) => ({ kind: o.kind, name: o.name, digest: o.digest }));
  return { added: added.sort(byKindThenName), removed: removed.sort(byKindThenName), changed: changed.sort(byKindThenName), unchanged };
}

/** A Secret's data as the caller may see it in a preview: keys kept, values replaced. Other objects unchanged. */
export function withoutSecretData(obj: ObjectBody): ObjectBody {
  if (obj.kind !== 'Secret') return obj;
  const hide = (v: unknown) => (isObject(v) ? Object.fromEntries(Object.keys(v).map((k) => [k, '<redacted>'])) : v);
  return { ...obj, ...(obj.data !== undefined ? { data: hide(obj.data) } : {}), ...(obj.stringData !== undefined ? { stringData: hide(obj.stringData) } : {}) };
}
