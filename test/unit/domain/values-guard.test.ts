import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { deepMerge, expandDottedKeys, type Values } from '../../../src/domain/values.js';
import { parseValuesPolicy } from '../../../src/domain/values-policy.js';
import { loadValuesPolicy, loadValuesSchema, ValuesSchemaMissing } from '../../../src/values-loaders.js';

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

  // every case must be refused; the test fails if any listed case is allowed
  it.each([
    // template markers as keys: the chart's tplYaml renders any map whose only key is $tplYaml / $tplYamlSpread
    [{ 'config.merge': { $tplYaml: 'a: &a [x,x]\nb: [*a,*a]' } }, 'config.merge.$tplYaml templateKeys'],
    [{ 'container.merge': { $tplYaml: 'securityContext:\n  privileged: true' } }, 'container.merge.$tplYaml templateKeys'],
    [{ 'podTemplate.merge.spec': { $tplYaml: 'hostNetwork: true' } }, 'podTemplate.merge.spec.$tplYaml templateKeys'],
    [{ 'config.merge.list': [{ $tplYamlSpread: 'x' }] }, 'config.merge.list templateKeys'],
    [{ 'config.merge': { '{{ .Values }}': 1 } }, 'config.merge.{{ .Values }} templateKeys'],
    [{ 'config.merge.x': '{{ range until 3000000 }}{{ end }}' }, 'config.merge.x templateStrings'],
    [{ 'container.env.A': '$tplYaml {{ .Release.Name }}' }, 'container.env.A templateStrings'],
    // unquoted render sites: a newline in a tag injects YAML; typed image fields
    [{ 'container.image.tag': '2.14\nsecurityContext: {privileged: true}' }, 'container.image.tag controlCharacters'],
    [{ 'container.image.tag': 'latest; rm -rf /' }, 'container.image.tag typedValue'],
    [{ 'container.image.digest': 'sha256:xyz' }, 'container.image.digest typedValue'],
    [{ 'container.image.pullPolicy': 'Sometimes' }, 'container.image.pullPolicy typedValue'],
    [{ 'promExporter.image.tag': 'a b' }, 'promExporter.image.tag typedValue'],
    [{ 'config.merge.x': 'line1\r\nline2' }, 'config.merge.x controlCharacters'],
    [{ 'config.merge': { 'bad\nkey': 1 } }, 'config.merge.bad\nkey controlCharacters'],
    // the image, by any path
    [{ 'container.image.repository': 'attacker/nats' }, 'container.image.repository no-image-source-change'],
    [{ 'container.image.registry': 'evil.example' }, 'container.image.registry no-image-source-change'],
    [{ 'container.merge.image': 'attacker/nats:1' }, 'container.merge.image no-image-source-change'],
    [{ 'container.patch': [{ op: 'replace', path: '/image', value: 'attacker/nats' }] }, 'container.patch allowed'],
    [{ 'podTemplate.merge.spec.containers': [{ name: 'nats', image: 'attacker/nats' }] }, 'podTemplate.merge.spec.containers allowed'],
    [{ 'global.image.registry': 'evil.example' }, 'global.image.registry no-image-source-change'],
    // pod security, identity, placement, volumes
    [{ 'podTemplate.merge.spec.hostNetwork': true }, 'podTemplate.merge.spec.hostNetwork no-pod-security-changes'],
    [{ 'podTemplate.merge.spec.hostPID': true }, 'podTemplate.merge.spec.hostPID no-pod-security-changes'],
    [{ 'container.merge.securityContext.privileged': true }, 'container.merge.securityContext.privileged no-pod-security-changes'],
    [{ 'container.merge.securityContext.capabilities.add': ['SYS_ADMIN'] }, 'container.merge.securityContext.capabilities.add no-pod-security-changes'],
    [{ 'podTemplate.merge.spec.serviceAccountName': 'admin' }, 'podTemplate.merge.spec.serviceAccountName no-pod-security-changes'],
    [{ 'podTemplate.merge.spec.nodeName': 'master-0' }, 'podTemplate.merge.spec.nodeName no-pod-security-changes'],
    [{ 'service.merge.spec.externalIPs': ['1.2.3.4'] }, 'service.merge.spec.externalIPs no-pod-security-changes'],
    [{ 'podTemplate.merge.spec.volumes': [{ name: 'h', hostPath: { path: '/' } }] }, 'podTemplate.merge.spec.volumes allowed'],
    [{ 'podTemplate.merge.spec.volumes': [{ name: 'c', persistentVolumeClaim: { claimName: 'other-team' } }] }, 'podTemplate.merge.spec.volumes allowed'],
    [{ 'config.jetstream.fileStore.pvc.merge.spec.volumeName': 'pv-of-another-team' }, 'config.jetstream.fileStore.pvc.merge.spec.volumeName no-claim-source'],
    [{ 'config.jetstream.fileStore.pvc.merge.spec.dataSource': { kind: 'PersistentVolumeClaim', name: 'other' } }, 'config.jetstream.fileStore.pvc.merge.spec.dataSource.name no-claim-source'],
    [{ 'podTemplate.merge.spec.initContainers': [{ name: 'x', image: 'busybox' }] }, 'podTemplate.merge.spec.initContainers allowed'],
    // whole objects and other namespaces
    [{ extraResources: [{ kind: 'ClusterRoleBinding', roleRef: { name: 'cluster-admin' } }] }, 'extraResources allowed'],
    [{ namespaceOverride: 'kube-system' }, 'namespaceOverride allowed'],
    [{ 'statefulSet.patch': [{ op: 'add', path: '/spec/template/spec/hostPID', value: true }] }, 'statefulSet.patch allowed'],
    [{ 'serviceAccount.enabled': true }, 'serviceAccount.enabled allowed'],
    [{ 'podTemplate.merge.spec.automountServiceAccountToken': true }, 'podTemplate.merge.spec.automountServiceAccountToken allowed'],
  ])('refuses %j', (values, expected) => {
    expect(refused(values)).toContain(expected);
  });

  it('values retained from the cluster are checked with the request and named as retained', () => {
    const retained = expandDottedKeys({ 'config.merge': { $tplYaml: '{{ range until 2000000000 }}{{ end }}' }, 'config.cluster.enabled': true });
    const requested = expandDottedKeys({ 'config.cluster.replicas': 5 });
    expect(policy.check(deepMerge(retained, requested), requested)).toEqual([
      { path: 'config.merge.$tplYaml', rule: 'templateKeys', reason: expect.stringContaining('template marker'), source: 'retained' },
    ]);
  });

  it.each([
    [{ 'container.image.tag': '2.14.3-alpine' }],
    [{ 'container.image.digest': `sha256:${'a'.repeat(64)}` }],
    [{ 'podTemplate.merge.spec.nodeSelector': { 'ned-test/no-such-node': 'true' } }],
    [{ 'config.cluster.enabled': true, 'config.cluster.replicas': 3, 'container.resources.requests.cpu': '2' }],
    [{ 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '5Gi', 'promExporter.enabled': true }],
    [{ 'container.merge.env': [{ name: 'A', value: 'b' }] }],
    [{ 'podTemplate.merge.metadata.annotations': { a: '{"json": {"nested": 1}}' } }],
    [{ 'config.merge.authorization': { token: 's3cret' } }],
    [{ 'service.merge.spec.clusterIP': '10.0.0.123', 'service.merge.spec.type': 'LoadBalancer' }],
  ])('allows %j', (values) => {
    expect(refused(values)).toEqual([]);
  });

  it('an allow rule before a deny carves out an exception; bad files are refused with the reason', () => {
    const custom = parseValuesPolicy(
      'rules:\n  - {name: ok, paths: [namespaceOverride], action: allow}\n  - {name: no, paths: ["**"], action: deny, reason: locked}\n',
      'inline',
    );
    expect(custom.check(expandDottedKeys({ namespaceOverride: 'x', 'config.cluster.enabled': true }))).toEqual([
      { path: 'config.cluster.enabled', rule: 'no', reason: 'locked', source: 'request' },
    ]);
    expect(() => parseValuesPolicy('rules: [{name: x, paths: [], action: maybe}]', 'bad.yaml')).toThrow(/values policy bad.yaml is invalid/);
    expect(() => parseValuesPolicy('rules: [{name: x, paths: [a], action: deny, contains: "("}]', 'bad.yaml')).toThrow(/invalid 'contains'/);
  });
});

describe('values read back from a cluster are bounded like a request', () => {
  it('a retained value nested past the limit is refused (not skipped), whatever it hides', () => {
    let deep: Record<string, unknown> = { $tplYaml: '{{ range until 2000000000 }}x{{ end }}' };
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const retained = { config: { merge: deep } };
    const started = Date.now();
    expect(policy.check(retained, {})).toEqual([expect.objectContaining({ rule: 'nesting', source: 'retained' })]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
