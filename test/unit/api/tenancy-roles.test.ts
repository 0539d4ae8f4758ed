// Tenancy: which routes each role may call, and every caller an admin when no principals are configured.
import request from 'supertest';
import { bearer } from './support.js';
import { deleteBody, ID_A, ID_B, postBody, putBody, setup } from './tenancy-setup.js';

describe('roles', () => {
  it.each<[string, string, number]>([
    ['viewer-a', 'POST', 403],
    ['viewer-a', 'PUT', 403],
    ['viewer-a', 'DELETE', 403],
    ['writer', 'POST', 403],
    ['codec', 'DELETE', 403],
    ['deployer-a', 'PUT', 200],
    ['deployer-a', 'DELETE', 200],
  ])('%s %s /exchange answers %i', async (who, verb, status) => {
    const { app, ops } = setup();
    const send =
      verb === 'POST'
        ? request(app).post('/exchange').send(postBody())
        : verb === 'PUT'
          ? request(app).put(`/exchange/${ID_A}`).send(putBody('nats-a'))
          : request(app).delete(`/exchange/${ID_A}`).send(deleteBody('nats-a'));
    const res = await send.set(bearer(who)).expect(status);
    if (status === 403) {
      expect(res.body).toMatchObject({ success: false, error_type: 'Forbidden', error: expect.stringContaining("'deployer'") as string });
      expect(ops.calls).toBe(0);
    } else {
      expect(ops.calls).toBe(1);
    }
  });

  it.each<[string, number]>([
    ['viewer-a', 200],
    ['deployer-a', 200],
    ['writer', 403],
    ['codec', 403],
  ])('%s reading /exchange answers %i', async (who, status) => {
    const { app } = setup();
    await request(app).get('/exchange').set(bearer(who)).expect(status);
    await request(app).get(`/exchange/${ID_A}`).set(bearer(who)).expect(status);
  });

  it('checks the role before the body', async () => {
    const { app } = setup();
    await request(app).post('/exchange').set(bearer('viewer-a')).send({ nonsense: true }).expect(403);
  });
});

describe('without principals (development)', () => {
  it('treats every caller as admin', async () => {
    const { app, ops } = setup({ principals: false });
    await request(app).post('/exchange').send(postBody({ org_ids: 'org-q' })).expect(200);
    await request(app).get(`/exchange/${ID_B}`).expect(200);
    await request(app).delete(`/exchange/${ID_B}`).send(deleteBody('nats-b')).expect(200);
    expect(ops.calls).toBe(2);
  });
});
