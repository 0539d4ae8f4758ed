import { canonicalJson, diffManifests, digestOf, ManifestError, parseManifest, withoutSecretData, type ObjectRef } from '../../../src/domain/manifest-diff.js';

const MANIFEST = `---
# Source: nats/templates/pod-disruption-budget.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ex-nats
spec:
  maxUnavailable: 1
---
# Source: nats/templates/config-map.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: ex-nats-config
data:
  nats.conf: |
    { "port": 4222 }
---
# Source: nats/templates/stateful-set.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ex-nats
spec:
  replicas: 1
  serviceName: ex-nats-headless
`;

const ref = (kind: string, name: string, digest: string): ObjectRef => ({ kind, name, digest });

describe('canonicalJson and digestOf', () => {
  it.each([
    [{ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}'],
    [[1, 'two', true, null], '[1,"two",true,null]'],
    [{ skipped: undefined, kept: 0 }, '{"kept":0}'],
    ['text "quoted"', '"text \\"quoted\\""'],
  ])('%j → %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('does not depend on key order; any content change changes the digest', () => {
    expect(digestOf({ a: 1, b: { c: 2, d: 3 } })).toBe(digestOf({ b: { d: 3, c: 2 }, a: 1 }));
    expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: '1' }));
    expect(digestOf({ a: [1, 2] })).not.toBe(digestOf({ a: [2, 1] }));
    expect(digestOf({})).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses nesting past 64 levels instead of overflowing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { x: deep };
    expect(() => canonicalJson(deep)).toThrow(ManifestError);
  });
});

describe('parseManifest', () => {
  it('refuses YAML aliases (a billion-laughs manifest from a cluster) without walking them', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const bomb = `kind: ConfigMap\nmetadata: {name: c}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    const started = Date.now();
    expect(() => parseManifest(bomb)).toThrow(/YAML aliases/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reads every document in order, named by kind and name, skipping empty documents and comments', () => {
    const objects = parseManifest(`---\n# nothing here\n${MANIFEST}\n---\n`);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}/${o.name}`)).toEqual(['policy/v1 PodDisruptionBudget/ex-nats', 'v1 ConfigMap/ex-nats-config', 'apps/v1 StatefulSet/ex-nats']);
    expect(objects[2]!.object).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'ex-nats' }, spec: { replicas: 1, serviceName: 'ex-nats-headless' } });
    expect(objects[2]!.digest).toBe(digestOf(objects[2]!.object));
  });

  it('gives the same digests for the same objects written differently (key order, quoting, flow style)', () => {
    const a = parseManifest('kind: ConfigMap\nmetadata: {name: c}\ndata: {x: "1", y: "2"}\n');
    const b = parseManifest('data:\n  y: \'2\'\n  x: "1"\nmetadata:\n  name: c\nkind: ConfigMap\n');
    expect(a[0]!.digest).toBe(b[0]!.digest);
  });

  it('keeps date-like strings strings (core schema: no timestamps)', () => {
    const [o] = parseManifest('kind: ConfigMap\nmetadata: {name: c}\ndata: {when: 2024-01-01}\n');
    expect(o!.object.data).toEqual({ when: '2024-01-01' });
  });

  it.each([
    ['kind: [unclosed', /not valid YAML/],
    ['- a\n- b\n', /not an object/],
    ['kind: ConfigMap\nmetadata: {}\n', /no kind or no metadata.name/],
    ['metadata: {name: x}\n', /no kind or no metadata.name/],
  ])('refuses %j', (text, message) => {
    expect(() => parseManifest(text)).toThrow(message);
  });
});

describe('diffManifests', () => {
  it('lists objects added, removed and changed by kind/name, sorted, and counts the unchanged', () => {
    const before = [ref('StatefulSet', 'ex', 's1'), ref('ConfigMap', 'ex-config', 'c1'), ref('Service', 'ex', 'v1'), ref('Deployment', 'ex-box', 'd1')];
    const after = [ref('StatefulSet', 'ex', 's2'), ref('ConfigMap', 'ex-config', 'c2'), ref('Service', 'ex', 'v1'), ref('PodMonitor', 'ex', 'p1'), ref('Service', 'ex-headless', 'h1')];
    expect(diffManifests(before, after)).toEqual({
      added: [ref('PodMonitor', 'ex', 'p1'), ref('Service', 'ex-headless', 'h1')],
      removed: [ref('Deployment', 'ex-box', 'd1')],
      changed: [
        { kind: 'ConfigMap', name: 'ex-config', old_digest: 'c1', new_digest: 'c2' },
        { kind: 'StatefulSet', name: 'ex', old_digest: 's1', new_digest: 's2' },
      ],
      unchanged: 1,
    });
  });

  it('tells objects of different kinds with one name apart', () => {
    const d = diffManifests([ref('Service', 'ex', 'a')], [ref('StatefulSet', 'ex', 'a')]);
    expect(d.added).toEqual([ref('StatefulSet', 'ex', 'a')]);
    expect(d.removed).toEqual([ref('Service', 'ex', 'a')]);
    expect(d.changed).toEqual([]);
  });

  it('is empty for identical renders, and everything is added from nothing', () => {
    const objects = parseManifest(MANIFEST);
    expect(diffManifests(objects, parseManifest(MANIFEST))).toEqual({ added: [], removed: [], changed: [], unchanged: 3 });
    expect(diffManifests([], objects).added.map((o) => o.kind)).toEqual(['ConfigMap', 'PodDisruptionBudget', 'StatefulSet']);
  });

  it('a changed field shows as a changed object with both digests', () => {
    const before = parseManifest(MANIFEST);
    const after = parseManifest(MANIFEST.replace('replicas: 1', 'replicas: 3'));
    const d = diffManifests(before, after);
    expect(d.changed).toEqual([{ kind: 'StatefulSet', name: 'ex-nats', old_digest: before[2]!.digest, new_digest: after[2]!.digest }]);
    expect(d.unchanged).toBe(2);
  });
});

describe('withoutSecretData', () => {
  it('hides the values of a Secret, keeps its keys, and leaves other kinds alone', () => {
    const secret = { kind: 'Secret', metadata: { name: 's' }, data: { a: 'c2VjcmV0' }, stringData: { b: 'plain' } };
    expect(withoutSecretData(secret)).toEqual({ kind: 'Secret', metadata: { name: 's' }, data: { a: '<redacted>' }, stringData: { b: '<redacted>' } });
    expect(secret.data.a).toBe('c2VjcmV0');
    const cm = { kind: 'ConfigMap', data: { a: 'x' } };
    expect(withoutSecretData(cm)).toBe(cm);
  });
});
