import { toFieldIssues, type FieldIssue } from '../../../src/domain/field-issues.js';
import { DEFAULT_KUBECONFIG_POLICY } from '../../../src/domain/kubeconfig.js';
import { createSchemas } from '../../../src/api/schemas.js';
import { kubeconfigWithUser, tokenKubeconfig } from '../fixtures/kubeconfig.js';

const schemas = createSchemas(DEFAULT_KUBECONFIG_POLICY);
const createBody = schemas.createExchange.body;
const SYSTEM_ID = '7b6f0f0e-6a2b-4c1e-9d7a-2f3c4b5a6d7e';

/** The seed's POST /exchange body. */
const seedBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kubeconfig: tokenKubeconfig(),
  helm_values: { 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '5Gi', 'config.cluster.replicas': 3 },
  release_name: 'nats-exchange-1',
  org_ids: 'org1',
  cluster_id: 'cluster-1',
  name: 'Exchange One',
  ...over,
});

/** Parses like src/api/validate.ts (with reportInput, which toFieldIssues needs to tell missing from wrong). */
function issuesFor(schema: { safeParse: (v: unknown, ctx: { reportInput: boolean }) => { success: boolean; error?: unknown } }, value: unknown, root = 'body'): FieldIssue[] {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) throw new Error('expected the value to be refused');
  return toFieldIssues(r.error as Parameters<typeof toFieldIssues>[0], { root });
}

describe('createExchange body', () => {
  it('the seed body is valid and gets defaults', () => {
    const parsed = createBody.parse(seedBody());
    expect(parsed.org_ids).toEqual(['org1']);
    expect(parsed.namespace).toBe('communication');
    expect(parsed.metadata).toEqual({});
    expect(parsed.release_name).toBe('nats-exchange-1');
    // dotted keys are validated, not rewritten, by the schema
    expect(parsed.helm_values).toEqual(seedBody().helm_values);
  });

  it.each<[string, unknown, string[]]>([
    ['comma-separated org_ids become a list', 'org1,org2, org3', ['org1', 'org2', 'org3']],
    ['empty entries between commas are dropped', 'org1,,org2,', ['org1', 'org2']],
    ['a list of org_ids is kept', ['org1', 'org2'], ['org1', 'org2']],
    ['list entries are trimmed', [' org1 '], ['org1']],
    ['org ids may hold . _ : @ -', 'a.b_c:d@e-f', ['a.b_c:d@e-f']],
  ])('%s', (_name, orgIds, expected) => {
    expect(createBody.parse(seedBody({ org_ids: orgIds })).org_ids).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, (p: ReturnType<typeof createBody.parse>) => void]>([
    ['an explicit namespace is kept', { namespace: 'nats' }, (p) => expect(p.namespace).toBe('nats')],
    ['metadata is kept', { metadata: { tier: 'gold' } }, (p) => expect(p.metadata).toEqual({ tier: 'gold' })],
    ['the name is trimmed', { name: '  Exchange  ' }, (p) => expect(p.name).toBe('Exchange')],
    ['a kubeconfig YAML string is accepted', { kubeconfig: JSON.stringify(tokenKubeconfig()) }, (p) => expect(typeof p.kubeconfig).toBe('string')],
    ['nested helm values are accepted', { helm_values: { config: { cluster: { replicas: 3 } } } }, (p) => expect(p.helm_values).toEqual({ config: { cluster: { replicas: 3 } } })],
    ['empty helm values are accepted', { helm_values: {} }, (p) => expect(p.helm_values).toEqual({})],
    ['a 53-character release name is accepted', { release_name: 'a'.repeat(53) }, (p) => expect(p.release_name).toHaveLength(53)],
    ['a 63-character namespace is accepted', { namespace: 'n'.repeat(63) }, (p) => expect(p.namespace).toHaveLength(63)],
  ])('%s', (_name, over, check) => {
    check(createBody.parse(seedBody(over)));
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a 54-character release name', { release_name: 'a'.repeat(54) }, 'release_name', /at most 53 characters/],
    ['an upper-case release name', { release_name: 'Nats' }, 'release_name', /Kubernetes name/],
    ['an underscore in the release name', { release_name: 'nats_1' }, 'release_name', /Kubernetes name/],
    ['a leading dash in the release name', { release_name: '-nats' }, 'release_name', /Kubernetes name/],
    ['a trailing dash in the release name', { release_name: 'nats-' }, 'release_name', /Kubernetes name/],
    ['a dot in the release name', { release_name: 'nats.1' }, 'release_name', /Kubernetes name/],
    ['an empty release name', { release_name: '' }, 'release_name', /must not be empty/],
    ['a numeric release name', { release_name: 7 }, 'release_name', /^must be a string$/],
    ['a numeric cluster_id', { cluster_id: 7 }, 'cluster_id', /^must be a string$/],
    ['a null name', { name: null }, 'name', /^must be a string$/],
    ['a 64-character namespace', { namespace: 'n'.repeat(64) }, 'namespace', /at most 63 characters/],
    ['an upper-case namespace', { namespace: 'Comm' }, 'namespace', /Kubernetes name/],
    ['an unknown extra field', { replicas: 3 }, 'body', /unknown field\(s\): replicas/],
    ['helm_values as an array', { helm_values: [{ a: 1 }] }, 'helm_values', /must be an object of helm value overrides/],
    ['helm_values as a string', { helm_values: 'config.jetstream.enabled=true' }, 'helm_values', /must be an object of helm value overrides/],
    ['helm_values as null', { helm_values: null }, 'helm_values', /must be an object/],
    ['conflicting dotted keys', { helm_values: { a: 1, 'a.b': 2 } }, 'helm_values.a.b', /conflicts with a non-object value/],
    ['an empty key segment', { helm_values: { 'a..b': 1 } }, 'helm_values.a..b', /empty key segment/],
    ['org_ids as an empty string', { org_ids: '' }, 'org_ids', /at least one organization/],
    ['org_ids of only commas', { org_ids: ' , ,' }, 'org_ids', /at least one organization/],
    ['org_ids as a number', { org_ids: 5 }, 'org_ids', /comma-separated/],
    ['an org id with a space inside', { org_ids: 'org 1' }, 'org_ids[0]', /letters, digits/],
    ['more than 100 org ids', { org_ids: Array.from({ length: 101 }, (_, i) => `o${i}`) }, 'org_ids', /at most 100/],
    ['a cluster_id with a slash', { cluster_id: 'a/b' }, 'cluster_id', /letters, digits/],
    ['an empty cluster_id', { cluster_id: '' }, 'cluster_id', /must not be empty/],
    ['a blank name', { name: '   ' }, 'name', /must not be empty/],
    ['metadata as an array', { metadata: [] }, 'metadata', /must be an object/],
    ['a kubeconfig with an exec user', { kubeconfig: kubeconfigWithUser({ exec: { command: 'aws' } }) }, 'kubeconfig.users[0].user.exec', /credential plugins are not allowed/],
    ['a kubeconfig naming a missing context', { kubeconfig: tokenKubeconfig({ 'current-context': 'nope' }) }, 'kubeconfig.current-context', /names context 'nope'/],
    ['a kubeconfig that is not YAML', { kubeconfig: 'a: [b' }, 'kubeconfig', /not valid YAML or JSON/],
    ['a kubeconfig that is a number', { kubeconfig: 5 }, 'kubeconfig', /must be an object/],
    ['a null kubeconfig', { kubeconfig: null }, 'kubeconfig', /is required/],
  ])('%s is refused', (_name, over, field, reason) => {
    const issues = issuesFor(createBody, seedBody(over));
    const issue = issues.find((i) => i.field === field);
    expect(issue).toBeDefined();
    expect(issue?.reason).toMatch(reason);
  });

  it.each<[string]>([['kubeconfig'], ['release_name'], ['cluster_id'], ['name']])('a missing %s is reported as "is required"', (field) => {
    const body = seedBody();
    delete body[field];
    expect(issuesFor(createBody, body)).toEqual([{ field, reason: 'is required' }]);
  });

  it('every bad field is reported at once', () => {
    const issues = issuesFor(createBody, seedBody({ release_name: 'Bad_Name', namespace: 'X', extra: 1 }));
    expect(issues.map((i) => i.field).sort()).toEqual(['body', 'namespace', 'release_name']);
  });

  it('a reason never quotes the submitted value', () => {
    const issues = issuesFor(createBody, seedBody({ release_name: 'SECRET_VALUE_XYZ', kubeconfig: kubeconfigWithUser({ exec: { command: 'SECRET_CMD' } }) }));
    expect(JSON.stringify(issues)).not.toMatch(/SECRET_VALUE_XYZ|SECRET_CMD/);
  });
});

describe('updateExchange and removeExchange', () => {
  it('an update body with the seed fields is valid', () => {
    const parsed = schemas.updateExchange.body.parse({ kubeconfig: tokenKubeconfig(), release_name: 'r', helm_values: { 'config.cluster.replicas': 3 } });
    expect(parsed.namespace).toBe('communication');
  });

  it('an update body refuses create-only fields', () => {
    const issues = issuesFor(schemas.updateExchange.body, { kubeconfig: tokenKubeconfig(), release_name: 'r', helm_values: {}, org_ids: 'o' });
    expect(issues).toEqual([{ field: 'body', reason: 'unknown field(s): org_ids' }]);
  });

  it('a remove body needs no helm values', () => {
    expect(schemas.removeExchange.body.parse({ kubeconfig: tokenKubeconfig(), release_name: 'r' })).toMatchObject({ release_name: 'r', namespace: 'communication' });
  });

  it.each<[string, unknown, boolean]>([
    ['a UUID system_id is accepted', SYSTEM_ID, true],
    ['a non-UUID system_id is refused', 'not-a-uuid', false],
    ['an empty system_id is refused', '', false],
  ])('%s', (_name, systemId, ok) => {
    expect(schemas.updateExchange.params.safeParse({ system_id: systemId }).success).toBe(ok);
    expect(schemas.removeExchange.params.safeParse({ system_id: systemId }).success).toBe(ok);
  });
});

describe('toFieldIssues', () => {
  it.each<[string, unknown, string, FieldIssue[]]>([
    ['a params issue is prefixed with params', { system_id: 'x' }, 'params', [{ field: 'params.system_id', reason: 'must be a UUID' }]],
    ['a missing param is "is required"', {}, 'params', [{ field: 'params.system_id', reason: 'is required' }]],
  ])('%s', (_name, value, root, expected) => {
    expect(issuesFor(schemas.updateExchange.params, value, root)).toEqual(expected);
  });

  it('kubeconfig issue paths keep their list indexes', () => {
    const issues = issuesFor(createBody, seedBody({ kubeconfig: tokenKubeconfig({ users: [{ name: 'deployer', user: { exec: {}, tokenFile: '/t' } }] }) }));
    expect(issues.map((i) => i.field).sort()).toEqual(['kubeconfig.users[0].user.exec', 'kubeconfig.users[0].user.tokenFile']);
  });

  it('a numeric path segment is rendered as an index', () => {
    const issues = issuesFor(createBody, seedBody({ org_ids: ['ok', 'not ok'] }));
    expect(issues).toEqual([{ field: 'org_ids[1]', reason: 'each org id must be letters, digits and . _ : @ -' }]);
  });

  it('a body-level issue is named body', () => {
    expect(issuesFor(createBody, seedBody({ a: 1, b: 2 }))).toEqual([{ field: 'body', reason: 'unknown field(s): a, b' }]);
  });
});
