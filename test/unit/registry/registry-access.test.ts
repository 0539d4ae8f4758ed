// Who may read and write /backbones: writes need registry-writer (or admin); reads are open to every principal but
// narrowed to its orgs unless it is admin or registry-writer; another org's record answers like a missing one.
import express from 'express';
import request from 'supertest';
import { requireBearer, sha256, TokenVerifier, type PrincipalConfig } from '../../../src/api/auth.js';
import type { Role } from '../../../src/http/access.js';
import { createLogger } from '../../../src/logger.js';
import { createRegistryRouter } from '../../../src/registry/router.js';
import { SqliteBackboneStore } from '../../../src/registry/sqlite-store.js';
import type { BackboneRecord } from '../../../src/registry/types.js';
import { newBackbone } from './fixtures.js';

const principal = (name: string, roles: Role[], orgs: string[] = []): PrincipalConfig => ({ name, token_sha256: sha256(`${name}-token`).toString('hex'), roles, orgs });
const logger = createLogger('silent', 'test');
const bearer = (name: string) => ({ Authorization: `Bearer ${name}-token` });

const PRINCIPALS = [
  principal('writer', ['registry-writer']),
  principal('deployer-a', ['deployer'], ['org-a']),
  principal('viewer-ab', ['viewer'], ['org-a', 'org-b']),
  principal('codec', ['codec-viewer']),
];

describe('/backbones access by role and org', () => {
  let store: SqliteBackboneStore;
  let app: express.Express;
  let recA: BackboneRecord;
  let recB: BackboneRecord;
  let recC: BackboneRecord;

  beforeEach(async () => {
    store = new SqliteBackboneStore(':memory:');
    app = express();
    app.use('/backbones', createRegistryRouter(store, { logger, authenticate: requireBearer(new TokenVerifier({ tokens: ['admin-token'], principals: PRINCIPALS })) }).router);
    recA = await store.create(newBackbone({ org_ids: ['org-a'] }));
    recB = await store.create(newBackbone({ org_ids: ['org-b', 'org-z'] }));
    recC = await store.create(newBackbone({ org_ids: ['org-c'] }));
  });

  afterEach(async () => {
    await store.close();
  });

  const ids = (res: { body: { items?: BackboneRecord[] } }) => (res.body.items ?? []).map((r) => r.system_id).sort();

  it.each(['deployer-a', 'viewer-ab', 'codec'])('refuses writes by %s with 403 and changes nothing', async (name) => {
    const rec = newBackbone({ org_ids: ['org-a'] });
    const post = await request(app).post('/backbones').set(bearer(name)).send(rec).expect(403);
    expect(post.body).toMatchObject({ success: false, error: expect.stringContaining("'registry-writer'") as string });
    await request(app).delete(`/backbones/${recA.system_id}`).set(bearer(name)).expect(403);
    await request(app).put(`/backbones/${recA.system_id}`).set(bearer(name)).send(rec).expect(403);
    expect(await store.get(rec.system_id)).toBeNull();
    expect(await store.get(recA.system_id)).toEqual(recA);
  });

  it('lets registry-writer and admin write', async () => {
    const rec = newBackbone();
    await request(app).post('/backbones').set(bearer('writer')).send(rec).expect(201);
    await request(app).delete(`/backbones/${rec.system_id}`).set(bearer('admin')).expect(204);
    const byAdmin = newBackbone();
    await request(app).post('/backbones').set(bearer('admin')).send(byAdmin).expect(201);
    await request(app).delete(`/backbones/${byAdmin.system_id}`).set(bearer('writer')).expect(204);
  });

  it('checks the role before the body: a 403 even for malformed JSON', async () => {
    await request(app).post('/backbones').set(bearer('viewer-ab')).set('Content-Type', 'application/json').send('{broken').expect(403);
  });

  it('keeps a valid cluster_fingerprint and refuses a malformed one', async () => {
    const rec = newBackbone({ cluster_fingerprint: '0123456789abcdef'.repeat(4) });
    const res = await request(app).post('/backbones').set(bearer('writer')).send(rec).expect(201);
    expect(res.body.backbone.cluster_fingerprint).toBe(rec.cluster_fingerprint);
    const bad = await request(app).post('/backbones').set(bearer('writer')).send(newBackbone({ cluster_fingerprint: 'not-hex' })).expect(400);
    expect(bad.body.details).toEqual([{ field: 'cluster_fingerprint', reason: expect.any(String) as string }]);
  });

  it('lists every record for admin and registry-writer, only their orgs for everyone else', async () => {
    const all = [recA, recB, recC].map((r) => r.system_id).sort();
    expect(ids(await request(app).get('/backbones').set(bearer('admin')).expect(200))).toEqual(all);
    expect(ids(await request(app).get('/backbones').set(bearer('writer')).expect(200))).toEqual(all);
    expect(ids(await request(app).get('/backbones').set(bearer('deployer-a')).expect(200))).toEqual([recA.system_id]);
    expect(ids(await request(app).get('/backbones').set(bearer('viewer-ab')).expect(200))).toEqual([recA.system_id, recB.system_id].sort());
    expect(ids(await request(app).get('/backbones').set(bearer('codec')).expect(200))).toEqual([]);
  });

  it('narrows filters to the caller orgs: a foreign org_id or org_ids finds nothing', async () => {
    expect(ids(await request(app).get('/backbones').query({ org_id: 'org-c' }).set(bearer('viewer-ab')).expect(200))).toEqual([]);
    expect(ids(await request(app).get('/backbones').query({ org_id: 'org-b' }).set(bearer('viewer-ab')).expect(200))).toEqual([recB.system_id]);
    expect(ids(await request(app).get('/backbones').query({ org_ids: 'org-b,org-c' }).set(bearer('viewer-ab')).expect(200))).toEqual([recB.system_id]);
    expect(ids(await request(app).get('/backbones').query({ org_ids: 'org-b,org-c' }).set(bearer('writer')).expect(200))).toEqual([recB.system_id, recC.system_id].sort());
  });

  it('answers another org record with the same 404 as a missing one', async () => {
    const foreign = await request(app).get(`/backbones/${recC.system_id}`).set(bearer('deployer-a')).expect(404);
    expect(foreign.body).toEqual({ success: false, error: `backbone ${recC.system_id} not found` });
    await request(app).get(`/backbones/${recA.system_id}`).set(bearer('deployer-a')).expect(200);
    await request(app).get(`/backbones/${recC.system_id}`).set(bearer('writer')).expect(200);
  });

  it('needs a token at all: 401 without, 403 with an unknown one', async () => {
    await request(app).get('/backbones').expect(401);
    await request(app).get('/backbones').set('Authorization', 'Bearer nope').expect(403);
  });

  it('fails closed (500) when mounted without authentication', async () => {
    const bare = express();
    bare.use('/backbones', createRegistryRouter(store, { logger }).router);
    await request(bare).get('/backbones').expect(500);
    await request(bare).post('/backbones').send(newBackbone()).expect(500);
    await request(bare).get(`/backbones/${recA.system_id}`).expect(500);
  });
});
