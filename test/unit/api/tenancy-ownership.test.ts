// Tenancy: a PUT or DELETE acts only on a registered exchange of the cluster it was deployed to, or on a deploy of
// the caller's orgs that is still running.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { OperationStatus } from '../../../src/temporal/exchange-operations.js';
import { FAKE_CA_DATA, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';
import { bearer } from './support.js';
import { ADMIN, deleteBody, fingerprintOf, ID_A, ID_OLD, kubeconfigFor, postBody, PROD, putBody, setup } from './tenancy-setup.js';

describe('ownership before action', () => {
  it.each(['PUT', 'DELETE'])('%s of an id the registry does not hold answers 404 and starts nothing', async (verb) => {
    const { app, ops } = setup();
    const id = randomUUID();
    const res =
      verb === 'PUT'
        ? await request(app).put(`/exchange/${id}`).set(ADMIN).send(putBody('nats-a')).expect(404)
        : await request(app).delete(`/exchange/${id}`).set(ADMIN).send(deleteBody('nats-a')).expect(404);
    expect(res.body).toEqual({ success: false, error: `No exchange with system_id '${id}'` });
    expect(ops.calls).toBe(0);
  });

  it('still validates first: an invalid body for an unknown id is 400', async () => {
    const { app, ops } = setup();
    await request(app).put(`/exchange/${randomUUID()}`).set(ADMIN).send({ release_name: 'x' }).expect(400);
    expect(ops.calls).toBe(0);
  });

  it('keeps the 409 for a body that names another release than the record', async () => {
    const { app, ops } = setup();
    const res = await request(app).delete(`/exchange/${ID_A}`).set(ADMIN).send(deleteBody('nats-b')).expect(409);
    expect(res.body).toMatchObject({ success: false, error_type: 'ExchangeMismatch' });
    expect(ops.calls).toBe(0);
  });

  it('records the target cluster fingerprint at deploy, computed from the minimal kubeconfig', async () => {
    const { app, ops } = setup();
    await request(app).post('/exchange').set(bearer('deployer-a')).send(postBody()).expect(200);
    expect(ops.deployCalls[0]?.clusterFingerprint).toBe(fingerprintOf(tokenKubeconfig()));
    expect(ops.deployCalls[0]?.clusterFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Kc]>([
    ['another port', kubeconfigFor({ ...PROD, server: 'https://api.example.com:7443' })],
    ['another host', kubeconfigFor({ ...PROD, server: 'https://other.example.com:6443' })],
    ['another CA', kubeconfigFor({ ...PROD, 'certificate-authority-data': Buffer.from('another CA').toString('base64') })],
    ['no CA', kubeconfigFor({ server: PROD.server })],
  ])('answers 409 ClusterMismatch to PUT and DELETE with a kubeconfig for %s, and starts nothing', async (_name, kubeconfig) => {
    const { app, ops } = setup();
    const put = await request(app).put(`/exchange/${ID_A}`).set(bearer('deployer-a')).send(putBody('nats-a', kubeconfig)).expect(409);
    expect(put.body).toMatchObject({ success: false, error_type: 'ClusterMismatch', system_id: ID_A });
    const del = await request(app).delete(`/exchange/${ID_A}`).set(bearer('deployer-a')).send(deleteBody('nats-a', kubeconfig)).expect(409);
    expect(del.body).toMatchObject({ success: false, error_type: 'ClusterMismatch' });
    expect(ops.calls).toBe(0);
  });

  it('accepts the same cluster spelled differently and with other credentials', async () => {
    const { app, ops } = setup();
    const sameCluster = kubeconfigFor({ server: 'HTTPS://API.example.com:6443/', 'certificate-authority-data': FAKE_CA_DATA }, { token: 'another-token' });
    await request(app).put(`/exchange/${ID_A}`).set(bearer('deployer-a')).send(putBody('nats-a', sameCluster)).expect(200);
    expect(ops.updateCalls).toHaveLength(1);
  });

  it('lets a record without a fingerprint (written before they existed) be changed from any cluster', async () => {
    const { app, ops } = setup();
    const elsewhere = kubeconfigFor({ ...PROD, server: 'https://other.example.com:6443' });
    await request(app).put(`/exchange/${ID_OLD}`).set(bearer('deployer-a')).send(putBody('nats-old', elsewhere)).expect(200);
    expect(ops.updateCalls).toHaveLength(1);
  });
});

describe('a DELETE while the deploy still runs (no record yet)', () => {
  async function deploying(release = 'nats-new') {
    const ctx = setup();
    ctx.ops.pending = true;
    const post = await request(ctx.app).post('/exchange').set(bearer('deployer-a')).set('Prefer', 'respond-async').send(postBody({ release_name: release })).expect(202);
    const { system_id: systemId, operation_id: operationId } = post.body as { system_id: string; operation_id: string };
    const running: OperationStatus = { operation_id: operationId, workflow_id: `exchange-${systemId}`, operation: 'deploy', status: 'running', step: 'install', started_at: null, closed_at: null };
    ctx.ops.statuses.set(systemId, running);
    ctx.ops.pending = false;
    return { ...ctx, systemId, running };
  }
  const body = { kubeconfig: tokenKubeconfig(), release_name: 'nats-new' };

  it('is allowed for the orgs that started it, with the same release and cluster: the removal cancels it', async () => {
    const { app, ops, systemId } = await deploying();
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(200);
    expect(ops.removeCalls).toEqual([expect.objectContaining({ systemId, releaseName: 'nats-new', namespace: 'communication' })]);
  });

  it('answers 404 to another org and to a PUT, 409 to another release or cluster', async () => {
    const { app, ops, systemId } = await deploying();
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-b')).send(body).expect(404);
    await request(app).put(`/exchange/${systemId}`).set(bearer('deployer-a')).send(putBody('nats-new')).expect(404);
    const mismatch = await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send({ ...body, release_name: 'nats-a' }).expect(409);
    expect(mismatch.body).toMatchObject({ error_type: 'ExchangeMismatch' });
    const elsewhere = kubeconfigFor({ ...PROD, server: 'https://api.example.com:7443' });
    const cluster = await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send({ ...body, kubeconfig: elsewhere }).expect(409);
    expect(cluster.body).toMatchObject({ error_type: 'ClusterMismatch' });
    expect(ops.removeCalls).toHaveLength(0);
  });

  it('is allowed while a synchronous POST of the same orgs still waits on its deploy', async () => {
    const { app, ops } = setup();
    let release!: () => void;
    ops.deployGate = new Promise<void>((ok) => (release = ok));
    const post = request(app).post('/exchange').set(bearer('deployer-a')).send(postBody()).then((r) => r);
    while (ops.deployCalls.length === 0) await new Promise((ok) => setTimeout(ok, 5));
    const systemId = ops.deployCalls[0]!.systemId;
    ops.statuses.set(systemId, { operation_id: randomUUID(), workflow_id: `exchange-${systemId}`, operation: 'deploy', status: 'running', step: 'install', started_at: null, closed_at: null });
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-b')).send(body).expect(404);
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(200);
    release();
    expect((await post).status).toBe(200);
    // once the POST has answered, its run id is what identifies the deploy; an unknown one is nobody's
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(404);
    expect(ops.removeCalls).toHaveLength(1);
  });

  it('answers 404 once the deploy has ended without a record', async () => {
    const { app, ops, systemId, running } = await deploying();
    ops.statuses.set(systemId, { ...running, status: 'failed' });
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(404);
    expect(ops.removeCalls).toHaveLength(0);
  });
});
