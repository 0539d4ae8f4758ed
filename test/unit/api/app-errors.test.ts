// The app's answers to invalid requests, unknown routes and failing operations.
import request from 'supertest';
import { FAKE_TOKEN, kubeconfigWithUser } from '../fixtures/kubeconfig.js';
import { bodyOf, removeBody, seedBody, setup, SYSTEM_ID, updateBody } from './app-setup.js';

describe('request validation', () => {
  it('invalid JSON answers 400 without calling the workflow or echoing the body', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Content-Type', 'application/json').send(`{"kubeconfig": {"token": "${FAKE_TOKEN}"`).expect(400);
    expect(res.body).toEqual({ success: false, error: 'Request body is not valid JSON' });
    expect(JSON.stringify(res.body)).not.toContain(FAKE_TOKEN);
    expect(ops.calls).toBe(0);
  });

  it('a text/plain body answers 415', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Content-Type', 'text/plain').send('release_name=r').expect(415);
    expect(res.body).toEqual({ success: false, error: 'Content-Type must be application/json' });
    expect(ops.calls).toBe(0);
  });

  it.each<[string, string, () => request.Test]>([
    ['PUT', 'an invalid system_id', () => request(setup().app).put('/exchange/not-a-uuid').send(updateBody())],
    ['DELETE', 'an invalid system_id', () => request(setup().app).delete('/exchange/123').send(removeBody())],
  ])('%s with %s answers 400 naming params.system_id', async (_verb, _what, send) => {
    const res = await send().expect(400);
    expect(bodyOf(res).success).toBe(false);
    expect(bodyOf(res).error).toContain('params.system_id');
    expect(bodyOf(res).details).toEqual([{ field: 'params.system_id', reason: 'must be a UUID' }]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['an exec kubeconfig', { kubeconfig: kubeconfigWithUser({ exec: { command: 'aws' } }) }, 'kubeconfig.users[0].user.exec', 'credential plugins are not allowed (they run commands on the worker)'],
    ['a 54-character release name', { release_name: 'a'.repeat(54) }, 'release_name', 'must be at most 53 characters'],
    ['a numeric release name', { release_name: 7 }, 'release_name', 'must be a string'],
    ['a missing cluster_id', { cluster_id: undefined }, 'cluster_id', 'is required'],
    ['conflicting helm values', { helm_values: { a: 1, 'a.b': 2 } }, 'helm_values.a.b', "conflicts with a non-object value set for 'a'"],
    ['an unknown field', { replicas: 3 }, 'body', 'unknown field(s): replicas'],
  ])('%s answers 400 naming the field', async (_name, over, field, reason) => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').send(seedBody(over)).expect(400);
    expect(res.body).toMatchObject({ success: false, error: `Invalid request: ${field} ${reason}` });
    expect(bodyOf(res).details).toContainEqual({ field, reason });
    expect(ops.calls).toBe(0);
  });

  it.each<[string, string]>([
    ['a JSON array body', '[]'],
    ['a JSON null body', 'null'],
  ])('%s answers 400', async (_name, raw) => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Content-Type', 'application/json').send(raw).expect(400);
    expect(bodyOf(res).success).toBe(false);
    expect(ops.calls).toBe(0);
  });

  it('a POST without a body answers 400 "body must be a JSON object"', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').expect(400);
    expect(res.body).toMatchObject({ success: false, details: [{ field: 'body', reason: 'must be a JSON object' }] });
    expect(ops.calls).toBe(0);
  });
});

describe('routing and unexpected errors', () => {
  it.each<[string, () => request.Test]>([
    ['an unknown path', () => request(setup().app).get('/nope')],
    ['POST with a system id', () => request(setup().app).post(`/exchange/${SYSTEM_ID}`).send(seedBody())],
  ])('%s answers 404 in the error envelope', async (_name, send) => {
    const res = await send().expect(404);
    expect(bodyOf(res).success).toBe(false);
    expect(bodyOf(res).error).toMatch(/^No route for /);
  });

  it('GET /healthz answers ok', async () => {
    await request(setup().app).get('/healthz').expect(200, { status: 'ok' });
  });

  type App = ReturnType<typeof setup>['app'];
  it.each<[string, 'deploy' | 'update' | 'remove', (app: App) => request.Test]>([
    ['POST', 'deploy', (app) => request(app).post('/exchange').send(seedBody())],
    ['PUT', 'update', (app) => request(app).put(`/exchange/${SYSTEM_ID}`).send(updateBody())],
    ['DELETE', 'remove', (app) => request(app).delete(`/exchange/${SYSTEM_ID}`).send(removeBody())],
  ])('%s whose operation throws a generic error answers 500 without details', async (_verb, verb, send) => {
    const { app, ops } = setup();
    ops[`${verb}Outcome`] = new Error('boom: secret internal detail');
    const res = await send(app).expect(500);
    expect(res.body).toEqual({ success: false, error: 'Internal error' });
    expect(res.text).not.toMatch(/boom|secret|\bat \S+ \(|\.ts:\d+/);
  });

  it('an operation that cannot reach Temporal answers 503', async () => {
    const { app, ops } = setup();
    ops.deployOutcome = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { name: 'ServiceError' });
    const res = await request(app).post('/exchange').send(seedBody()).expect(503);
    expect(bodyOf(res).success).toBe(false);
    expect(res.text).not.toContain('No connection established');
  });
});
