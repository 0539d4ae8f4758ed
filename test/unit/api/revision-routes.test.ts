// Previews (POST/PUT ?dry_run=true), revisions and rollback at the API: the flags, the answer shapes, and the same
// roles and ownership checks as PUT (another org's exchange is a 404, another cluster a 409, and nothing runs).
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DEFAULT_KUBECONFIG_POLICY, resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { TokenVerifier } from '../../../src/api/auth.js';
import { clusterFingerprint } from '../../../src/api/cluster-fingerprint.js';
import { createLogger } from '../../../src/logger.js';
import { FailureType, type PreviewExchangeResult } from '../../../workflows/shared.js';
import { FAKE_CA_DATA, FAKE_TOKEN, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';
import { bearer, FakeDirectory, principal, RecordingOperations } from './support.js';

const ID_A = randomUUID();
const ID_B = randomUUID();
const fingerprintOf = (kc: Kc) => clusterFingerprint(resolveKubeconfig(kc).minimal);
const OTHER_CLUSTER = tokenKubeconfig({
  clusters: [{ name: 'prod', cluster: { server: 'https://elsewhere.example.com:6443', 'certificate-authority-data': FAKE_CA_DATA } }],
  users: [{ name: 'deployer', user: { token: FAKE_TOKEN } }],
});

function setup() {
  const ops = new RecordingOperations();
  const directory = new FakeDirectory();
  directory.add({ system_id: ID_A, release_name: 'nats-a', namespace: 'communication', org_ids: ['org-a'], cluster_fingerprint: fingerprintOf(tokenKubeconfig()) });
  directory.add({ system_id: ID_B, release_name: 'nats-b', namespace: 'communication', org_ids: ['org-b'], cluster_fingerprint: fingerprintOf(tokenKubeconfig()) });
  const app = createApp({
    operations: ops,
    directory,
    kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
    temporalUiUrl: 'http://temporal-ui.local:8233',
    temporalNamespace: 'default',
    logger: createLogger('silent', 'test'),
    auth: new TokenVerifier({
      principals: [principal('deployer-a', ['deployer'], ['org-a']), principal('deployer-b', ['deployer'], ['org-b']), principal('viewer-a', ['viewer'], ['org-a'])],
    }),
  });
  return { app, ops };
}

const postBody = () => ({ kubeconfig: tokenKubeconfig(), helm_values: { 'config.cluster.enabled': true }, release_name: 'nats-new', org_ids: 'org-a', cluster_id: 'c1', name: 'New' });
const putBody = (kubeconfig: Kc = tokenKubeconfig()) => ({ kubeconfig, release_name: 'nats-a', helm_values: { 'config.cluster.replicas': 3 } });
const targetBody = (over: Record<string, unknown> = {}) => ({ kubeconfig: tokenKubeconfig(), release_name: 'nats-a', ...over });

const previewResult = (over: Partial<PreviewExchangeResult> = {}): PreviewExchangeResult => ({
  systemId: ID_A,
  releaseName: 'nats-a',
  namespace: 'communication',
  mode: 'upgrade',
  chartVersion: '2.14.2',
  values: { config: { cluster: { enabled: true, replicas: 3 } } },
  objects: [{ kind: 'StatefulSet', name: 'nats-a', digest: 'b'.repeat(64) }],
  refused: [],
  unchecked: [],
  baseRevision: 1,
  diff: { added: [], removed: [], changed: [{ kind: 'StatefulSet', name: 'nats-a', old_digest: 'a'.repeat(64), new_digest: 'b'.repeat(64) }], unchanged: 4 },
  ...over,
});

describe('POST /exchange?dry_run=true', () => {
  it('previews the deploy (mode install) and deploys nothing', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange?dry_run=true').set(bearer('deployer-a')).send(postBody()).expect(200);
    expect(res.body).toMatchObject({ success: true, dry_run: true, release_name: 'nats-new', namespace: 'communication', applicable: true, chart_version: '2.14.2' });
    expect(res.body.message).toMatch(/^Dry run, nothing was changed: the deploy would apply 0 object/);
    expect(res.body.workflow_id).toMatch(/^preview-/);
    expect(ops.deployCalls).toEqual([]);
    expect(ops.previewCalls).toEqual([expect.objectContaining({ mode: 'install', manifests: false, releaseName: 'nats-new', helmValues: { config: { cluster: { enabled: true } } } })]);
  });

  it('passes manifests=true on', async () => {
    const { app, ops } = setup();
    await request(app).post('/exchange?dry_run=true&manifests=true').set(bearer('deployer-a')).send(postBody()).expect(200);
    expect(ops.previewCalls[0]).toMatchObject({ manifests: true });
  });

  it.each<[string, string]>([
    ['manifests=true', 'query.manifests'],
    ['dryrun=true', 'query'],
    ['dry_run=yes', 'query.dry_run'],
    ['dry_run=true&dry_run=false', 'query.dry_run'],
  ])('?%s is refused with 400 naming %s, and nothing runs', async (query, field) => {
    const { app, ops } = setup();
    const res = await request(app).post(`/exchange?${query}`).set(bearer('deployer-a')).send(postBody()).expect(400);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(ops.calls).toBe(0);
  });

  it('dry_run=false is the real deploy', async () => {
    const { app, ops } = setup();
    await request(app).post('/exchange?dry_run=false').set(bearer('deployer-a')).send(postBody()).expect(200);
    expect(ops.deployCalls).toHaveLength(1);
    expect(ops.previewCalls).toEqual([]);
  });

  it('keeps the POST checks: a foreign org is 403, a viewer 403', async () => {
    const { app, ops } = setup();
    await request(app).post('/exchange?dry_run=true').set(bearer('deployer-b')).send(postBody()).expect(403);
    await request(app).post('/exchange?dry_run=true').set(bearer('viewer-a')).send(postBody()).expect(403);
    expect(ops.calls).toBe(0);
  });
});

describe('PUT /exchange/:id?dry_run=true', () => {
  it('answers the preview with the diff against the live release', async () => {
    const { app, ops } = setup();
    ops.preview = (input) => Promise.resolve({ ok: true, workflowId: `preview-${input.systemId}-1`, runId: 'r', result: previewResult() });
    const res = await request(app).put(`/exchange/${ID_A}?dry_run=true`).set(bearer('deployer-a')).send(putBody()).expect(200);
    expect(res.body).toMatchObject({
      success: true,
      dry_run: true,
      applicable: true,
      system_id: ID_A,
      values: { config: { cluster: { enabled: true, replicas: 3 } } },
      objects: [{ kind: 'StatefulSet', name: 'nats-a', digest: 'b'.repeat(64) }],
      diff: { base_revision: 1, changed: [{ kind: 'StatefulSet', name: 'nats-a', old_digest: 'a'.repeat(64), new_digest: 'b'.repeat(64) }], added: [], removed: [], unchanged: 4 },
    });
    expect(ops.updateCalls).toEqual([]);
  });

  it('a change the real PUT would be refused for is 200 with applicable false and the refused objects', async () => {
    const { app, ops } = setup();
    const refused = [{ kind: 'StatefulSet', name: 'nats-a', reason: 'config.jetstream.enabled would change …', source: 'chart-rules' as const }];
    ops.preview = () => Promise.resolve({ ok: true, workflowId: 'preview-x', runId: 'r', result: previewResult({ refused }) });
    const res = await request(app).put(`/exchange/${ID_A}?dry_run=true`).set(bearer('deployer-a')).send(putBody()).expect(200);
    expect(res.body).toMatchObject({ success: true, dry_run: true, applicable: false, refused });
    expect(res.body.message).toBe('Dry run, nothing was changed: the update would be refused (StatefulSet nats-a)');
  });

  it('does not repeat credentials of the values back', async () => {
    const { app, ops } = setup();
    ops.preview = () => Promise.resolve({ ok: true, workflowId: 'preview-x', runId: 'r', result: previewResult({ values: { config: { merge: { authorization: { token: 's3cret', user: 'u' } } } } }) });
    const res = await request(app).put(`/exchange/${ID_A}?dry_run=true`).set(bearer('deployer-a')).send(putBody()).expect(200);
    expect(res.body.values).toEqual({ config: { merge: { authorization: { token: '<redacted>', user: 'u' } } } });
  });

  it('a failed preview answers like the PUT would, marked as a dry run', async () => {
    const { app, ops } = setup();
    ops.preview = () => Promise.resolve({ ok: false, status: 404, type: FailureType.previewFailed, error: "Preview failed for release 'nats-a': Release 'nats-a' not found", workflowId: 'preview-x' });
    const res = await request(app).put(`/exchange/${ID_A}?dry_run=true`).set(bearer('deployer-a')).send(putBody()).expect(404);
    expect(res.body).toMatchObject({ success: false, dry_run: true, error_type: 'PreviewFailed', system_id: ID_A });
  });

  it.each<[string, string, unknown, number]>([
    ["another org's exchange is a 404", 'deployer-b', putBody(), 404],
    ['a kubeconfig for another cluster is a 409', 'deployer-a', putBody(OTHER_CLUSTER), 409],
    ['a viewer may not', 'viewer-a', putBody(), 403],
  ])('%s, and nothing runs', async (_name, who, body, status) => {
    const { app, ops } = setup();
    await request(app).put(`/exchange/${ID_A}?dry_run=true`).set(bearer(who)).send(body as object).expect(status);
    expect(ops.calls).toBe(0);
  });
});

describe('POST /exchange/:id/rollback', () => {
  it('rolls back under the exchange id and answers like a PUT', async () => {
    const { app, ops } = setup();
    const res = await request(app).post(`/exchange/${ID_A}/rollback`).set(bearer('deployer-a')).send(targetBody({ revision: 1 })).expect(200);
    expect(res.body).toMatchObject({ success: true, message: "Exchange 'nats-a' rolled back to revision 1", system_id: ID_A, revision: 3, restored_revision: 1, workflow_id: `exchange-${ID_A}` });
    expect(ops.rollbackCalls).toEqual([{ systemId: ID_A, kubeconfig: resolveKubeconfig(tokenKubeconfig()).minimal, releaseName: 'nats-a', namespace: 'communication', revision: 1 }]);
  });

  it('answers 202 with a status URL for Prefer: respond-async', async () => {
    const { app, ops } = setup();
    ops.pending = true;
    const res = await request(app).post(`/exchange/${ID_A}/rollback`).set(bearer('deployer-a')).set('Prefer', 'respond-async').send(targetBody({ revision: 2 })).expect(202);
    expect(res.body).toMatchObject({ success: true, status: 'running', system_id: ID_A });
    expect(res.headers.location).toBe(res.body.status_url);
  });

  it.each<[string, string, Record<string, unknown>, number]>([
    ['revision 0 is a 400', 'deployer-a', targetBody({ revision: 0 }), 400],
    ['a revision that is not a number is a 400', 'deployer-a', targetBody({ revision: '1' }), 400],
    ['no revision is a 400', 'deployer-a', targetBody(), 400],
    ['an unknown field is a 400', 'deployer-a', targetBody({ revision: 1, helm_values: {} }), 400],
    ["another org's exchange is a 404", 'deployer-b', targetBody({ revision: 1 }), 404],
    ['another release name is a 409', 'deployer-a', targetBody({ revision: 1, release_name: 'nats-b' }), 409],
    ['a kubeconfig for another cluster is a 409', 'deployer-a', targetBody({ revision: 1, kubeconfig: OTHER_CLUSTER }), 409],
    ['a viewer may not', 'viewer-a', targetBody({ revision: 1 }), 403],
  ])('%s, and nothing runs', async (_name, who, body, status) => {
    const { app, ops } = setup();
    await request(app).post(`/exchange/${ID_A}/rollback`).set(bearer(who)).send(body).expect(status);
    expect(ops.calls).toBe(0);
  });
});

describe('POST /exchange/:id/revisions/query', () => {
  it('lists the revisions with the operation that made each, for a viewer of the org too', async () => {
    const { app, ops } = setup();
    ops.revisions = (input) =>
      Promise.resolve({
        ok: true,
        workflowId: 'revisions-x',
        runId: 'r',
        result: {
          systemId: input.systemId,
          releaseName: input.releaseName,
          namespace: input.namespace,
          revisions: [
            { revision: 1, status: 'superseded', chartVersion: '2.14.2', appVersion: '2.14.2', time: '2025-01-01T00:00:00Z', description: 'Install complete', valuesDigest: 'd1', madeBy: { operation: 'deploy', operation_id: 'run-1', workflow_id: `exchange-${ID_A}` } },
            { revision: 2, status: 'deployed', chartVersion: '2.14.2', appVersion: '2.14.2', time: '2025-01-02T00:00:00Z', description: 'Upgrade complete', valuesDigest: 'd2', madeBy: null },
          ],
        },
      });
    const res = await request(app).post(`/exchange/${ID_A}/revisions/query`).set(bearer('viewer-a')).send(targetBody()).expect(200);
    expect(res.body).toEqual({
      success: true,
      system_id: ID_A,
      release_name: 'nats-a',
      namespace: 'communication',
      revisions: [
        {
          revision: 1,
          status: 'superseded',
          chart_version: '2.14.2',
          app_version: '2.14.2',
          updated_at: '2025-01-01T00:00:00Z',
          description: 'Install complete',
          values_digest: 'd1',
          made_by: { operation: 'deploy', operation_id: 'run-1', workflow_id: `exchange-${ID_A}`, workflow_url: `http://temporal-ui.local:8233/namespaces/default/workflows/exchange-${ID_A}` },
        },
        { revision: 2, status: 'deployed', chart_version: '2.14.2', app_version: '2.14.2', updated_at: '2025-01-02T00:00:00Z', description: 'Upgrade complete', values_digest: 'd2', made_by: null },
      ],
    });
  });

  it.each<[string, string, Record<string, unknown>, number]>([
    ["another org's exchange is a 404", 'deployer-b', targetBody(), 404],
    ['no kubeconfig is a 400', 'viewer-a', { release_name: 'nats-a' }, 400],
    ['a kubeconfig for another cluster is a 409', 'viewer-a', targetBody({ kubeconfig: OTHER_CLUSTER }), 409],
  ])('%s, and nothing runs', async (_name, who, body, status) => {
    const { app, ops } = setup();
    await request(app).post(`/exchange/${ID_A}/revisions/query`).set(bearer(who)).send(body).expect(status);
    expect(ops.calls).toBe(0);
  });

  it('there is no GET of revisions: credentials do not travel in URLs or headers', async () => {
    const { app } = setup();
    await request(app).get(`/exchange/${ID_A}/revisions`).set(bearer('viewer-a')).expect(404);
  });
});
