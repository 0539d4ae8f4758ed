// What the official nats chart (2.14.x) does with values, as far as the deployer must know it to refuse a
// request that cannot work: overrides that change nothing because their section is switched off, changes that
// Kubernetes refuses on an existing StatefulSet, and the names of the objects a release gets. Pure functions:
// the API uses them before a workflow starts, the activities again with the release's deployed values.
import { MAX_VALUES_DEPTH } from './limits.js';
import { deepEqual, deepMerge, isPlainObject, type Values } from './values.js';

/** Sections the chart's own values.yaml ships with `enabled: false` (chart 2.14.2). */
export const CHART_SECTIONS_DISABLED_BY_DEFAULT = [
  'tlsCA',
  'config.cluster',
  'config.cluster.tls',
  'config.jetstream',
  'config.jetstream.memoryStore',
  'config.nats.tls',
  'config.leafnodes',
  'config.leafnodes.tls',
  'config.websocket',
  'config.websocket.tls',
  'config.websocket.ingress',
  'config.mqtt',
  'config.mqtt.tls',
  'config.gateway',
  'config.gateway.tls',
  'config.monitor.tls',
  'config.profiling',
  'config.resolver',
  'promExporter',
  'promExporter.podMonitor',
  'serviceAccount',
  'natsBox.serviceAccount',
] as const;

export function valueAt(values: unknown, path: readonly string[]): unknown {
  let v: unknown = values;
  for (const k of path) {
    if (!isPlainObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** Every leaf path set in (expanded) values, e.g. [['config','cluster','replicas'], …]. */
export function leafPaths(values: Values, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(values)) {
    // past the nesting limit a map is one leaf (the values policy refuses it): a hostile depth costs nothing here
    if (isPlainObject(v) && Object.keys(v).length > 0 && prefix.length < MAX_VALUES_DEPTH) out.push(...leafPaths(v, [...prefix, k]));
    else out.push([...prefix, k]);
  }
  return out;
}

function sectionEnabled(merged: Values, section: string[]): boolean | undefined {
  const explicit = valueAt(merged, [...section, 'enabled']);
  if (typeof explicit === 'boolean') return explicit;
  if ((CHART_SECTIONS_DISABLED_BY_DEFAULT as readonly string[]).includes(section.join('.'))) return false;
  return undefined;
}

/** A section switch the service turns on with a request because a key of the request needs it. */
export interface ImpliedSwitch {
  /** e.g. config.cluster.enabled */
  key: string;
  value: true;
  /** e.g. "config.cluster.replicas > 1" */
  because: string;
}

/** A request that sets a key under a section and switches that same section off. */
export interface Contradiction {
  key: string;
  switch: string;
}

/** The sections above `path` (outermost first) that are off under `merged`. */
function disabledSections(path: string[], merged: Values): string[][] {
  const out: string[][] = [];
  for (let i = 1; i < path.length; i++) {
    const section = path.slice(0, i);
    if (sectionEnabled(merged, section) === false) out.push(section);
  }
  return out;
}

/** The key paths of `requested` that ask for something: a switch turned off or a single replica asks for nothing. */
function asking(requested: Values): string[][] {
  const out: string[][] = [];
  for (const path of leafPaths(requested)) {
    const value = valueAt(requested, path);
    const last = path[path.length - 1];
    if (last === 'enabled' && path.length > 1) {
      if (value !== true) continue;
      // a switch turned on needs every section above it on, not itself
      out.push(path.slice(0, -1).concat('enabled'));
      continue;
    }
    // one replica is what an unclustered exchange has anyway
    if (path.join('.') === 'config.cluster.replicas' && typeof value === 'number' && value <= 1) continue;
    out.push(path);
  }
  return out;
}

function becauseOf(path: string[], requested: Values): string {
  const key = path.join('.');
  if (key === 'config.cluster.replicas') return 'config.cluster.replicas > 1';
  return valueAt(requested, path) === true && path[path.length - 1] === 'enabled' ? `${key} is true` : `${key} is set`;
}

/**
 * The switches a request needs that are off under `merged` (base + current + requested), e.g.
 * `config.cluster.enabled` for `config.cluster.replicas: 5`, and the requests that contradict themselves (the
 * same request switches the section off). Only switches the request itself does not set are implied.
 */
export function impliedSwitches(requested: Values, merged: Values): { implied: ImpliedSwitch[]; contradictions: Contradiction[] } {
  const implied = new Map<string, ImpliedSwitch>();
  const contradictions: Contradiction[] = [];
  for (const path of asking(requested)) {
    const own = path[path.length - 1] === 'enabled' ? path.slice(0, -1) : path;
    for (const section of disabledSections(own, merged)) {
      const sw = [...section, 'enabled'];
      const key = sw.join('.');
      if (valueAt(requested, sw) === false) {
        contradictions.push({ key: path.join('.'), switch: key });
        continue;
      }
      if (!implied.has(key)) implied.set(key, { key, value: true, because: becauseOf(path, requested) });
    }
  }
  return { implied: [...implied.values()], contradictions };
}

/** `requested` with the implied switches set. */
export function withImplied(requested: Values, implied: ImpliedSwitch[]): Values {
  let out = requested;
  for (const s of implied) {
    const patch = s.key
      .split('.')
      .reverse()
      .reduce<unknown>((inner, k) => ({ [k]: inner }), true) as Values;
    out = deepMerge(out, patch);
  }
  return out;
}

/** The storage a release's StatefulSet claims, as the chart renders its volumeClaimTemplates. */
function claimTemplates(v: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const on = (p: string) => valueAt(v, p.split('.'));
  const isOn = (p: string, dflt: boolean) => (typeof on(p) === 'boolean' ? on(p) : dflt);
  if (isOn('config.jetstream.enabled', false) && isOn('config.jetstream.fileStore.enabled', true) && isOn('config.jetstream.fileStore.pvc.enabled', true)) {
    out.jetstream = on('config.jetstream.fileStore.pvc') ?? {};
  }
  if (isOn('config.resolver.enabled', false) && isOn('config.resolver.pvc.enabled', true)) out.resolver = on('config.resolver.pvc') ?? {};
  return out;
}

/** Keys whose value feeds a StatefulSet field Kubernetes does not let an update change. */
const IMMUTABLE_INPUTS = [
  'config.jetstream.enabled',
  'config.jetstream.fileStore.enabled',
  'config.jetstream.fileStore.pvc',
  'config.resolver.enabled',
  'config.resolver.pvc',
  'nameOverride',
  'fullnameOverride',
  'headlessService.name',
  'statefulSet.merge.spec.selector',
  'statefulSet.merge.spec.volumeClaimTemplates',
  'statefulSet.merge.spec.serviceName',
  'statefulSet.merge.spec.podManagementPolicy',
];

/**
 * The value keys whose change from `before` to `after` (both fully merged) alters the StatefulSet's
 * volumeClaimTemplates, selector or serviceName, which an upgrade cannot change in place. Empty when none.
 */
export function immutableChanges(before: Values, after: Values): string[] {
  const claimsBefore = claimTemplates(before);
  const claimsAfter = claimTemplates(after);
  const changed: string[] = [];
  for (const key of IMMUTABLE_INPUTS) {
    const p = key.split('.');
    if (deepEqual(valueAt(before, p), valueAt(after, p))) continue;
    // a pvc setting under a store that is off in both renders nothing
    if (key.startsWith('config.jetstream') || key.startsWith('config.resolver')) {
      const which = key.startsWith('config.jetstream') ? 'jetstream' : 'resolver';
      if (deepEqual(claimsBefore[which], claimsAfter[which])) continue;
    }
    changed.push(key);
  }
  return changed;
}

export function describeImmutable(keys: string[], statefulSet: string): string {
  return (
    `${keys.join(', ')} would change StatefulSet ${statefulSet}'s volumeClaimTemplates/selector/serviceName, which ` +
    'Kubernetes does not allow to change on an existing StatefulSet. The exchange was left as it was. To apply it, ' +
    're-create the exchange: DELETE it (with "delete_data": true to drop its JetStream volumes) and POST it again.'
  );
}

/** The chart's fullname: the release name when it contains the chart name, else `<release>-nats`. */
export function chartFullname(releaseName: string, values: Values = {}): string {
  const full = valueAt(values, ['fullnameOverride']);
  if (typeof full === 'string' && full) return full.slice(0, 63).replace(/-+$/, '');
  const nameOverride = valueAt(values, ['nameOverride']);
  const name = typeof nameOverride === 'string' && nameOverride ? nameOverride : 'nats';
  const out = releaseName.includes(name) ? releaseName : `${releaseName}-${name}`;
  return out.slice(0, 63).replace(/-+$/, '');
}

/** Replicas the chart gives the StatefulSet under these values. */
export function chartReplicas(values: Values): number {
  if (valueAt(values, ['config', 'cluster', 'enabled']) !== true) return 1;
  const r = valueAt(values, ['config', 'cluster', 'replicas']);
  return typeof r === 'number' && r >= 1 ? r : 3;
}
