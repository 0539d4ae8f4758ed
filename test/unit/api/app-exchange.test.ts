// The exchange routes of the app (POST, PUT, DELETE /exchange): what reaches the workflow and what is answered.
import request from 'supertest';
import { resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import type { OperationFailure } from '../../../src/temporal/exchange-operations.js';
import { FailureType, type DeployExchangeInput } from '../../../workflows/shared.js';
import { kubeconfigWithCluster, multiContextKubeconfig } from '../fixtures/kubeconfig.js';
import { bodyOf, failure, removeBody, seedBody, setup, SYSTEM_ID, SYSTEM_ID_NATS, TEMPORAL_UI, updateBody, UUID_RE } from './app-setup.js';

describe('POST /exchange', () => {
  it('the seed body deploys and answers in the seed shape', async () => {
    const { app } = setup();
    const res = await request(app).post('/exchange').send(seedBody()).expect(200);
    expect(res.body).toMatchObject({ success: true, release_name: 'r', namespace: 'communication', public_url: 'https://edge.example.com/nats/r', revision: 1 });
    expect(bodyOf(res).system_id).toMatch(UUID_RE);
    expect(bodyOf(res).workflow_id).toBe(`exchange-${bodyOf(res).system_id}`);
    expect(bodyOf(res).workflow_url).toBe(`${TEMPORAL_UI}/namespaces/default/workflows/exchange-${bodyOf(res).system_id}`);
    expect(res.headers['content-type']).toMatch(/application\/json/);
  });

  it('the workflow receives a minimal kubeconfig, expanded helm values and the parsed fields', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').send(seedBody({ metadata: { tier: 'gold' } })).expect(200);
    expect(ops.deployCalls).toHaveLength(1);
    const input = ops.deployCalls[0] as DeployExchangeInput;
    expect(input.systemId).toBe(bodyOf(res).system_id);
    expect(input.kubeconfig).toEqual(resolveKubeconfig(multiContextKubeconfig()).minimal);
    expect(input.kubeconfig.clusters).toEqual([{ name: 'edge', cluster: { server: 'https://edge.example.com' } }]);
    expect(JSON.stringify(input.kubeconfig)).not.toContain('dev-token');
    expect(input.helmValues).toEqual({ config: { jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } }, cluster: { replicas: 3 } } });
    expect(input).toMatchObject({ releaseName: 'r', namespace: 'communication', orgIds: ['org1', 'org2'], clusterId: 'cluster-1', name: 'Exchange R', metadata: { tier: 'gold' } });
  });

  it('one release on one cluster always gets the same system id; another release or cluster a different one; the cluster_id label does not count', async () => {
    const { app, ops } = setup();
    await request(app).post('/exchange').send(seedBody()).expect(200);
    await request(app).post('/exchange').send(seedBody()).expect(200);
    // the label is the caller's word: the id follows the cluster itself (its fingerprint), so a label cannot squat
    await request(app).post('/exchange').send({ ...seedBody(), cluster_id: 'cluster-2' }).expect(200);
    await request(app).post('/exchange').send({ ...seedBody(), release_name: 'r2' }).expect(200);
    await request(app).post('/exchange').send({ ...seedBody(), kubeconfig: kubeconfigWithCluster({ server: 'https://other-cluster.example:6443' }) }).expect(200);
    const ids = ops.deployCalls.map((c) => c.systemId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[0]);
    expect(new Set(ids).size).toBe(3);
  });

  it.each<[string, OperationFailure]>([
    ['a release that already exists answers 409', failure(409, FailureType.deployFailed, "release 'r' already exists")],
    ['a chart rejection answers 422', failure(422, FailureType.deployFailed, 'helm rejected the chart')],
    ['a failed registration answers 502', failure(502, FailureType.registrationFailed, 'registry unreachable')],
    ['a busy exchange answers 409', failure(409, 'OperationInProgress', 'Exchange is busy')],
  ])('%s with success:false and the error', async (_name, outcome) => {
    const { app, ops } = setup();
    ops.deployOutcome = outcome;
    const res = await request(app).post('/exchange').send(seedBody()).expect(outcome.status);
    expect(res.body).toMatchObject({ success: false, error: outcome.error, error_type: outcome.type, release_name: 'r', namespace: 'communication', workflow_id: outcome.workflowId });
    expect(bodyOf(res).system_id).toBe(ops.deployCalls[0]?.systemId);
  });
});

describe('PUT /exchange/:system_id', () => {
  it('updates and answers with the seed message', async () => {
    const { app, ops } = setup();
    const res = await request(app).put(`/exchange/${SYSTEM_ID}`).send(updateBody()).expect(200);
    expect(res.body).toMatchObject({ success: true, message: "Exchange 'r' updated successfully", system_id: SYSTEM_ID, revision: 2 });
    expect(ops.updateCalls).toEqual([
      { systemId: SYSTEM_ID, kubeconfig: resolveKubeconfig(multiContextKubeconfig()).minimal, releaseName: 'r', namespace: 'communication', helmValues: { config: { cluster: { replicas: 5 } } } },
    ]);
  });

  it('a release that is gone answers 404', async () => {
    const { app, ops } = setup();
    ops.updateOutcome = failure(404, FailureType.updateFailed, "release 'r' not found");
    const res = await request(app).put(`/exchange/${SYSTEM_ID}`).send(updateBody()).expect(404);
    expect(res.body).toMatchObject({ success: false, error: "release 'r' not found", system_id: SYSTEM_ID, release_name: 'r' });
  });
});

describe('DELETE /exchange/:system_id', () => {
  it('removes and answers with the seed message', async () => {
    const { app, ops } = setup();
    const res = await request(app).delete(`/exchange/${SYSTEM_ID_NATS}`).send(removeBody({ namespace: 'nats' })).expect(200);
    expect(res.body).toMatchObject({ success: true, message: "Exchange 'r' removed from cluster and DB", system_id: SYSTEM_ID_NATS, release_uninstalled: true, record_deleted: true });
    expect(ops.removeCalls).toEqual([{ systemId: SYSTEM_ID_NATS, kubeconfig: resolveKubeconfig(multiContextKubeconfig()).minimal, releaseName: 'r', namespace: 'nats', deleteData: false }]);
  });
});

describe('fair use: every operation on the worker counts against the per-org limit', () => {
  it('previews, revisions and rollbacks are refused with 429 when Temporal lists the org at its limit; DELETE is not', async () => {
    const { app, ops } = setup({ orgMaxOperations: 2 });
    ops.running = { org1: 2 };
    const tooMany = { success: false, error_type: 'TooManyOperations', org_id: 'org1' };
    expect((await request(app).post('/exchange?dry_run=true').send(seedBody({ org_ids: 'org1' })).expect(429)).body).toMatchObject(tooMany);
    expect((await request(app).put(`/exchange/${SYSTEM_ID}?dry_run=true`).send(updateBody()).expect(429)).body).toMatchObject(tooMany);
    expect((await request(app).post(`/exchange/${SYSTEM_ID}/revisions/query`).send(removeBody()).expect(429)).body).toMatchObject(tooMany);
    expect((await request(app).post(`/exchange/${SYSTEM_ID}/rollback`).send(removeBody({ revision: 1 })).expect(429)).body).toMatchObject(tooMany);
    expect(ops.calls).toBe(0);
    await request(app).delete(`/exchange/${SYSTEM_ID}`).send(removeBody()).expect(200);
    // below the limit they run
    ops.running = { org1: 1 };
    await request(app).put(`/exchange/${SYSTEM_ID}?dry_run=true`).send(updateBody()).expect(200);
  });
});
