import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { requireBearer, TokenVerifier } from '../../../src/api/auth.js';
import { createRegistryRouter } from '../../../src/registry/router.js';
import { SqliteBackboneStore } from '../../../src/registry/sqlite-store.js';
import { BackboneStoreUnavailableError } from '../../../src/registry/types.js';
import type { BackboneRecord, BackboneStore, NewBackbone } from '../../../src/registry/types.js';
import { anyString, newBackbone } from './fixtures.js';

interface ApiBody {
  success: boolean;
  error?: string;
  details?: { field: string; reason: string }[];
  existing_system_id?: string;
  backbone?: BackboneRecord;
  items?: BackboneRecord[];
  next_cursor?: string | null;
}

const body = (res: { body: unknown }): ApiBody => res.body as ApiBody;

/** With `logged`, the router's error log lines are parsed into it. */
function appFor(store: BackboneStore, logged?: Record<string, unknown>[]): express.Express {
  const app = express();
  // no tokens: every caller is the anonymous admin (role checks: registry-access.test.ts)
  const authenticate = requireBearer(new TokenVerifier({}));
  const logger = pino({ level: logged ? 'error' : 'silent' }, { write: (line: string) => logged?.push(JSON.parse(line) as Record<string, unknown>) });
  app.use('/backbones', createRegistryRouter(store, { logger, authenticate }).router);
  return app;
}

describe('registry router', () => {
  let store: SqliteBackboneStore;
  let app: express.Express;

  beforeEach(() => {
    store = new SqliteBackboneStore(':memory:');
    app = appFor(store);
  });

  afterEach(async () => {
    await store.close();
  });

  describe('POST /backbones', () => {
    it('creates (201), then answers an identical repeat with 200 and the same record', async () => {
      const rec = newBackbone({ metadata: { 'helm.sh/chart': 'nats-1.2.3' } });
      const first = await request(app).post('/backbones').send(rec).expect(201);
      expect(first.body).toEqual({ success: true, backbone: { ...rec, created_at: anyString } });

      const again = await request(app).post('/backbones/').send(rec).expect(200);
      expect(body(again).backbone).toEqual(body(first).backbone);
    });

    it('defaults metadata to {}', async () => {
      const rec: Partial<NewBackbone> = newBackbone();
      delete rec.metadata;
      const res = await request(app).post('/backbones').send(rec).expect(201);
      expect(body(res).backbone?.metadata).toEqual({});
    });

    it('returns 409 with existing_system_id for a release clash', async () => {
      const first = newBackbone();
      await request(app).post('/backbones').send(first).expect(201);
      const clash = newBackbone({ cluster_id: first.cluster_id, namespace: first.namespace, release_name: first.release_name });
      const res = await request(app).post('/backbones').send(clash).expect(409);
      expect(res.body).toEqual({ success: false, error: anyString, existing_system_id: first.system_id });
    });

    it('returns 409 for the same id with different attributes', async () => {
      const rec = newBackbone();
      await request(app).post('/backbones').send(rec).expect(201);
      const res = await request(app).post('/backbones').send({ ...rec, public_url: 'wss://elsewhere.example.com' }).expect(409);
      expect(body(res).existing_system_id).toBe(rec.system_id);
    });

    it.each([
      ['system_id', { system_id: 'not-a-uuid' }],
      ['name', { name: '' }],
      ['release_name', { release_name: '   ' }],
      ['namespace', { namespace: 42 }],
      ['cluster_id', { cluster_id: undefined }],
      ['org_ids', { org_ids: [] }],
      ['org_ids', { org_ids: 'org1,org2' }],
      ['org_ids.1', { org_ids: ['org1', ''] }],
      ['public_url', { public_url: 'not a url' }],
      ['public_url', { public_url: 'javascript:alert(1)' }],
      ['metadata', { metadata: [1, 2] }],
      ['metadata', { metadata: null }],
    ])('rejects invalid %s with 400 and field details', async (field, patch) => {
      const res = await request(app).post('/backbones').send({ ...newBackbone(), ...patch }).expect(400);
      expect(body(res).success).toBe(false);
      expect(body(res).error).toBe('Invalid request');
      expect(body(res).details).toEqual(expect.arrayContaining([{ field, reason: anyString }]));
    });

    it('reports every invalid field at once', async () => {
      const res = await request(app).post('/backbones').send({}).expect(400);
      const fields = (body(res).details ?? []).map((d) => d.field).sort();
      expect(fields).toEqual(['cluster_id', 'name', 'namespace', 'org_ids', 'public_url', 'release_name', 'system_id']);
    });

    it('answers malformed JSON with 400 and no stack trace', async () => {
      const res = await request(app)
        .post('/backbones')
        .set('Content-Type', 'application/json')
        .send('{"system_id": ')
        .expect(400);
      expect(res.body).toEqual({ success: false, error: 'Invalid request', details: [{ field: 'body', reason: 'malformed JSON' }] });
      expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
    });

    it('answers a non-JSON body with 400', async () => {
      const res = await request(app).post('/backbones').set('Content-Type', 'text/plain').send('hello').expect(400);
      expect(body(res).details).toEqual([{ field: 'body', reason: anyString }]);
    });
  });

  describe('GET /backbones', () => {
    let created: BackboneRecord[];

    beforeEach(async () => {
      created = [];
      for (const org_ids of [['org1'], ['org10'], ['org1', 'org2'], ['org3']]) {
        created.push(await store.create(newBackbone({ org_ids })));
      }
    });

    it('lists everything with next_cursor null', async () => {
      const res = await request(app).get('/backbones').expect(200);
      expect(body(res).success).toBe(true);
      expect(body(res).items).toHaveLength(4);
      expect(body(res).next_cursor).toBeNull();
    });

    it('filters by org_id exactly', async () => {
      const res = await request(app).get('/backbones').query({ org_id: 'org1' }).expect(200);
      expect((body(res).items ?? []).map((r) => r.system_id).sort()).toEqual(
        [created[0]!.system_id, created[2]!.system_id].sort(),
      );
    });

    it('pages with limit and cursor', async () => {
      const first = await request(app).get('/backbones').query({ limit: 3 }).expect(200);
      expect(body(first).items).toHaveLength(3);
      expect(typeof body(first).next_cursor).toBe('string');
      const second = await request(app).get('/backbones').query({ limit: 3, cursor: body(first).next_cursor }).expect(200);
      expect(body(second).items).toHaveLength(1);
      expect(body(second).next_cursor).toBeNull();
      const all = [...(body(first).items ?? []), ...(body(second).items ?? [])];
      expect(new Set(all.map((r) => r.system_id)).size).toBe(4);
    });

    it.each([['0'], ['501'], ['abc'], ['1.5'], ['']])('rejects limit=%p with 400', async (limit) => {
      const res = await request(app).get(`/backbones?limit=${limit}`).expect(400);
      expect(body(res).details).toEqual([{ field: 'limit', reason: anyString }]);
    });

    it('accepts limit at the bounds', async () => {
      await request(app).get('/backbones?limit=1').expect(200);
      await request(app).get('/backbones?limit=500').expect(200);
    });

    it('rejects a forged cursor with 400', async () => {
      const res = await request(app).get('/backbones').query({ cursor: 'garbage' }).expect(400);
      expect(body(res).details).toEqual([{ field: 'cursor', reason: anyString }]);
    });

    it('rejects a repeated filter parameter with 400', async () => {
      const res = await request(app).get('/backbones?org_id=org1&org_id=org2').expect(400);
      expect(body(res).details?.[0]?.field).toBe('org_id');
    });
  });

  describe('GET /backbones/:id and DELETE', () => {
    it('gets, deletes (204) and then 404s', async () => {
      const rec = await store.create(newBackbone());
      const got = await request(app).get(`/backbones/${rec.system_id}`).expect(200);
      expect(got.body).toEqual({ success: true, backbone: rec });

      const del = await request(app).delete(`/backbones/${rec.system_id}`).expect(204);
      expect(del.text).toBe('');

      const missing = await request(app).get(`/backbones/${rec.system_id}`).expect(404);
      expect(missing.body).toEqual({ success: false, error: anyString });
      const again = await request(app).delete(`/backbones/${rec.system_id}`).expect(404);
      expect(body(again).success).toBe(false);
    });
  });

  describe('store failures', () => {
    function failingStore(err: Error): BackboneStore {
      const fail = () => Promise.reject(err);
      return { create: fail, get: fail, list: fail, delete: fail, ping: fail, close: () => Promise.resolve() };
    }

    it('maps BackboneStoreUnavailableError to 503 on every route', async () => {
      const down = appFor(failingStore(new BackboneStoreUnavailableError('disk on fire at /var/lib/x')));
      const checks = [
        request(down).get('/backbones'),
        request(down).get('/backbones/abc'),
        request(down).delete('/backbones/abc'),
        request(down).post('/backbones').send(newBackbone()),
      ];
      for (const res of await Promise.all(checks)) {
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ success: false, error: 'Backbone store unavailable' });
      }
    });

    it('maps a closed sqlite store to 503', async () => {
      await store.close();
      await request(app).get('/backbones').expect(503);
    });

    it('hides unexpected errors behind a generic 500 and reports them', async () => {
      const seen: Record<string, unknown>[] = [];
      const boom = new Error('secret internals');
      const broken = appFor(failingStore(boom), seen);
      const res = await request(broken).get('/backbones/abc').expect(500);
      expect(res.body).toEqual({ success: false, error: 'Internal server error' });
      expect(res.text).not.toContain('secret');
      expect(seen).toEqual([expect.objectContaining({ msg: 'unhandled error', err: expect.objectContaining({ name: boom.name, message: boom.message }), method: 'GET', path: '/backbones/abc' })]);
    });

    it('logs a 500 without the request body', async () => {
      const seen: Record<string, unknown>[] = [];
      const broken = appFor(failingStore(new Error('boom')), seen);
      await request(broken).post('/backbones').send(newBackbone({ metadata: { token: 'tok-secret-1' } })).expect(500);
      expect(seen).toHaveLength(1);
      expect(JSON.stringify(seen)).not.toContain('tok-secret-1');
    });
  });
});
