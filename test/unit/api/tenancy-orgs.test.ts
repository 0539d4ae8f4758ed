// Tenancy: a caller sees and changes only the exchanges (and operations) of its orgs.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { OperationStatus } from '../../../src/temporal/exchange-operations.js';
import { bearer } from './support.js';
import { exchangeSystemId } from '../../../src/api/exchange-routes.js';
import { tokenKubeconfig } from '../fixtures/kubeconfig.js';
import { ADMIN, deleteBody, fingerprintOf, ID_A, ID_B, ID_OLD, postBody, putBody, setup } from './tenancy-setup.js';

describe('orgs', () => {
  it('lists only the caller orgs; a filter for another org finds nothing; admin lists all', async () => {
    const { app } = setup();
    const ids = (res: { body: { items: Array<{ system_id: string }> } }) => res.body.items.map((r) => r.system_id).sort();
    expect(ids(await request(app).get('/exchange').set(bearer('viewer-a')).expect(200))).toEqual([ID_A, ID_OLD].sort());
    expect(ids(await request(app).get('/exchange').query({ org_id: 'org-b' }).set(bearer('viewer-a')).expect(200))).toEqual([]);
    expect(ids(await request(app).get('/exchange').set(bearer('deployer-b')).expect(200))).toEqual([ID_B]);
    expect(ids(await request(app).get('/exchange').set(ADMIN).expect(200))).toEqual([ID_A, ID_B, ID_OLD].sort());
  });

  it('answers GET of another org exchange with the same 404 as an unknown id', async () => {
    const { app } = setup();
    const foreign = await request(app).get(`/exchange/${ID_B}`).set(bearer('deployer-a')).expect(404);
    const unknownId = randomUUID();
    const unknown = await request(app).get(`/exchange/${unknownId}`).set(bearer('deployer-a')).expect(404);
    expect(foreign.body).toEqual({ success: false, error: `No exchange with system_id '${ID_B}'` });
    expect(unknown.body).toEqual({ success: false, error: `No exchange with system_id '${unknownId}'` });
    const own = await request(app).get(`/exchange/${ID_A}`).set(bearer('deployer-a')).expect(200);
    expect(own.body.exchange).toMatchObject({ system_id: ID_A, org_ids: ['org-a'] });
  });

  it.each(['PUT', 'DELETE'])('answers %s of another org exchange 404 and starts nothing', async (verb) => {
    const { app, ops } = setup();
    const res =
      verb === 'PUT'
        ? await request(app).put(`/exchange/${ID_B}`).set(bearer('deployer-a')).send(putBody('nats-b')).expect(404)
        : await request(app).delete(`/exchange/${ID_B}`).set(bearer('deployer-a')).send(deleteBody('nats-b')).expect(404);
    expect(res.body).toEqual({ success: false, error: `No exchange with system_id '${ID_B}'` });
    expect(ops.calls).toBe(0);
    // one shared org is enough: deployer-b belongs to org-b of ['org-b', 'org-z']
    await request(app).delete(`/exchange/${ID_B}`).set(bearer('deployer-b')).send(deleteBody('nats-b')).expect(200);
  });

  it("a POST that meets another org's exchange learns nothing: the answer of a release without a record, no id", async () => {
    const { app, ops, directory } = setup();
    const id = exchangeSystemId(fingerprintOf(tokenKubeconfig()), 'communication', 'nats-hidden');
    directory.add({ system_id: id, release_name: 'nats-hidden', namespace: 'communication', org_ids: ['org-b'], cluster_fingerprint: fingerprintOf(tokenKubeconfig()) });
    const foreign = await request(app).post('/exchange').set(bearer('deployer-a')).send(postBody({ release_name: 'nats-hidden' })).expect(409);
    expect(foreign.body).toEqual({ success: false, error: "Release 'nats-hidden' already exists in namespace 'communication'", error_type: 'ReleaseAlreadyExists' });
    expect(JSON.stringify(foreign.body)).not.toContain(id);
    expect(ops.calls).toBe(0);
    // its own org is told which exchange it is
    const own = await request(app).post('/exchange').set(bearer('deployer-b')).send(postBody({ release_name: 'nats-hidden', org_ids: 'org-b' })).expect(409);
    expect(own.body).toMatchObject({ error_type: 'ExchangeAlreadyExists', existing_system_id: id });
  });

  it('refuses a POST into an org the caller is not in with 403 naming the org, and starts nothing', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set(bearer('deployer-a')).send(postBody({ org_ids: 'org-a,org-b' })).expect(403);
    expect(res.body).toMatchObject({ success: false, error_type: 'Forbidden', org_id: 'org-b' });
    expect(res.body.error).toContain("'org-b'");
    expect(ops.calls).toBe(0);
    await request(app).post('/exchange').set(ADMIN).send(postBody({ org_ids: 'org-a,org-b' })).expect(200);
  });

  it('hides operations of another org exchange, and of unregistered ones unless this caller org started them', async () => {
    const { app, ops } = setup();
    const op = (systemId: string, operationId = randomUUID()): OperationStatus => ({
      operation_id: operationId,
      workflow_id: `exchange-${systemId}`,
      operation: 'update',
      status: 'succeeded',
      step: 'done',
      started_at: null,
      closed_at: null,
    });
    const onB = op(ID_B);
    ops.statuses.set(ID_B, onB);
    await request(app).get(`/exchange/${ID_B}/operations/${onB.operation_id}`).set(bearer('deployer-a')).expect(404);
    await request(app).get(`/exchange/${ID_B}/operations/${onB.operation_id}`).set(bearer('deployer-b')).expect(200);

    // an operation whose exchange has no record (a failed deploy, say): nobody here knows whose it is
    const orphanId = randomUUID();
    const orphan = op(orphanId);
    ops.statuses.set(orphanId, orphan);
    await request(app).get(`/exchange/${orphanId}`).set(bearer('deployer-a')).expect(404);
    await request(app).get(`/exchange/${orphanId}/operations/${orphan.operation_id}`).set(bearer('deployer-a')).expect(404);
    await request(app).get(`/exchange/${orphanId}`).set(ADMIN).expect(200);
    await request(app).get(`/exchange/${orphanId}/operations/${orphan.operation_id}`).set(ADMIN).expect(200);
  });

  it('lets the orgs of an async deploy poll it before any record exists, and nobody else', async () => {
    const { app, ops } = setup();
    ops.pending = true;
    const post = await request(app).post('/exchange').set(bearer('deployer-a')).set('Prefer', 'respond-async').send(postBody()).expect(202);
    const { system_id: systemId, operation_id: operationId, status_url: statusUrl } = post.body as { system_id: string; operation_id: string; status_url: string };
    ops.statuses.set(systemId, { operation_id: operationId, workflow_id: `exchange-${systemId}`, operation: 'deploy', status: 'running', step: 'install', started_at: null, closed_at: null });
    await request(app).get(statusUrl).set(bearer('deployer-a')).expect(200);
    await request(app).get(`/exchange/${systemId}`).set(bearer('viewer-a')).expect(200);
    await request(app).get(statusUrl).set(bearer('deployer-b')).expect(404);
    await request(app).get(`/exchange/${systemId}`).set(bearer('deployer-b')).expect(404);
  });
});
