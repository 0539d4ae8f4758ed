import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { deepMerge, expandDottedKeys, type Values } from '../../../src/domain/values.js';
import { loadValuesPolicy, parseValuesPolicy } from '../../../src/domain/values-policy.js';
import { loadValuesSchema, ValuesSchemaMissing } from '../../../src/domain/values-schema.js';

const schema = loadValuesSchema('chart', '2.14.2')!;
const policy = loadValuesPolicy('chart/values-policy.yaml');
const base = yaml.load(readFileSync('values.yaml', 'utf8')) as Values;
const merged = (v: Record<string, unknown>) => deepMerge(base, expandDottedKeys(v));

describe('the values schema of the official chart 2.14.2', () => {
  it('accepts the base values and the keys callers use', () => {
    expect(schema.check(base)).toEqual([]);
    expect(
      schema.check(
        merged({
          'config.jetstream.enabled': true,
          'config.jetstream.fileStore.pvc.size': '5Gi',
          'config.cluster.enabled': true,
          'config.cluster.replicas': 5,
          'promExporter.enabled': true,
          'container.resources.requests.cpu': '2',
          'container.env.FOO': 'bar',
          'podTemplate.merge.spec.nodeSelector': { pool: 'nats' },
        }),
      ),
    ).toEqual([]);
  });

  it('names an unknown key and suggests the nearest one', () => {
    expect(schema.check(merged({ 'config.jetstream.enabeld': true }))).toEqual([
      { path: 'config.jetstream.enabeld', reason: 'is not a value of the nats chart 2.14.2 (did you mean config.jetstream.enabled?)' },
    ]);
    expect(schema.check(merged({ 'config.clusterr.replicas': 3 }))[0]).toMatchObject({ path: 'config.clusterr', reason: expect.stringContaining('did you mean config.cluster?') });
  });

  it('no suggestion when nothing is close', () => {
    expect(schema.check(merged({ 'zzzzzzzzzzzz': 1 }))).toEqual([{ path: 'zzzzzzzzzzzz', reason: 'is not a value of the nats chart 2.14.2' }]);
  });

  it('refuses a numeric volume size, fractional or zero replicas, a non-boolean switch, a port out of range', () => {
    const issues = schema.check(
      merged({ 'config.jetstream.fileStore.pvc.size': 5, 'config.cluster.replicas': 0, 'config.cluster.enabled': 'yes', 'config.nats.port': 70000 }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'config.jetstream.fileStore.pvc.size', reason: 'must be string' },
        { path: 'config.cluster.replicas', reason: 'must be >= 1' },
        { path: 'config.cluster.enabled', reason: 'must be boolean' },
        { path: 'config.nats.port', reason: 'must be <= 65535' },
      ]),
    );
    expect(schema.check(merged({ 'config.jetstream.fileStore.pvc.size': '5 gigs' }))).toEqual([
      { path: 'config.jetstream.fileStore.pvc.size', reason: 'must be a Kubernetes quantity such as 512Mi, 10Gi or 500m' },
    ]);
    expect(schema.check(merged({ 'config.cluster.replicas': 2.5 }))[0]).toMatchObject({ path: 'config.cluster.replicas', reason: 'must be integer' });
  });

  it('a chart version without a schema stops the start unless the operator opts out', () => {
    expect(() => loadValuesSchema('chart', '9.9.9')).toThrow(ValuesSchemaMissing);
    expect(() => loadValuesSchema('chart', '9.9.9')).toThrow(/VALUES_SCHEMA=off/);
    expect(loadValuesSchema('chart', '9.9.9', { optOut: true })).toBeNull();
  });
});

describe('the default values policy', () => {
  const refused = (v: Record<string, unknown>) => policy.check(expandDottedKeys(v)).map((x) => `${x.path} ${x.rule}`);

  it.each([
    [{ extraResources: [{ kind: 'ClusterRoleBinding', roleRef: { name: 'cluster-admin' } }] }, 'extraResources no-extra-resources'],
    [{ namespaceOverride: 'kube-system' }, 'namespaceOverride no-namespace-override'],
    [{ 'podTemplate.merge.spec.hostNetwork': true }, 'podTemplate.merge.spec.hostNetwork no-pod-security-changes'],
    [{ 'podTemplate.merge.spec.hostPID': true }, 'podTemplate.merge.spec.hostPID no-pod-security-changes'],
    [{ 'container.merge.securityContext.privileged': true }, 'container.merge.securityContext.privileged no-pod-security-changes'],
    [{ 'container.merge.securityContext.capabilities.add': ['SYS_ADMIN'] }, 'container.merge.securityContext.capabilities.add no-pod-security-changes'],
    [{ 'podTemplate.merge.spec.containers': [{ name: 'x', securityContext: { privileged: true } }] }, 'podTemplate.merge.spec.containers no-pod-security-in-lists'],
    [{ 'podTemplate.merge.spec.volumes': [{ name: 'h', hostPath: { path: '/' } }] }, 'podTemplate.merge.spec.volumes no-pod-security-in-lists'],
    [{ 'statefulSet.patch': [{ op: 'add', path: '/spec/template/spec/hostPID', value: true }] }, 'statefulSet.patch no-security-patches'],
    [{ 'container.image.repository': 'attacker/nats' }, 'container.image.repository no-image-source-change'],
    [{ 'container.image.registry': 'evil.example' }, 'container.image.registry no-image-source-change'],
    [{ 'config.merge.x': '{{ range until 3000000 }}{{ end }}' }, 'config.merge.x templateStrings'],
    [{ 'container.env.A': '$tplYaml {{ .Release.Name }}' }, 'container.env.A templateStrings'],
  ])('refuses %j', (values, expected) => {
    expect(refused(values)).toEqual([expected]);
  });

  it.each([
    [{ 'container.image.tag': '2.14.3-alpine' }],
    [{ 'podTemplate.merge.spec.nodeSelector': { 'ned-test/no-such-node': 'true' } }],
    [{ 'config.cluster.enabled': true, 'config.cluster.replicas': 3, 'container.resources.requests.cpu': '2' }],
    [{ 'container.merge.env': [{ name: 'A', value: 'b' }] }],
    [{ 'podTemplate.merge.metadata.annotations': { a: '{"json": {"nested": 1}}' } }],
  ])('allows %j', (values) => {
    expect(refused(values)).toEqual([]);
  });

  it('an allow rule before a deny carves out an exception; bad files are refused with the reason', () => {
    const custom = parseValuesPolicy(
      'rules:\n  - {name: ok, paths: [namespaceOverride], action: allow}\n  - {name: no, paths: ["**"], action: deny, reason: locked}\n',
      'inline',
    );
    expect(custom.check(expandDottedKeys({ namespaceOverride: 'x', 'config.cluster.enabled': true }))).toEqual([
      { path: 'config.cluster.enabled', rule: 'no', reason: 'locked' },
    ]);
    expect(() => parseValuesPolicy('rules: [{name: x, paths: [], action: maybe}]', 'bad.yaml')).toThrow(/values policy bad.yaml is invalid/);
    expect(() => parseValuesPolicy('rules: [{name: x, paths: [a], action: deny, contains: "("}]', 'bad.yaml')).toThrow(/invalid 'contains'/);
  });
});
