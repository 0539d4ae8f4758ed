import SwaggerParser from '@apidevtools/swagger-parser';
import express from 'express';
import request from 'supertest';
import type { ValuesGuard } from '../../../src/domain/values-guard.js';
import type { createApp } from '../../../src/api/app.js';
import { createChartRouter } from '../../../src/api/chart-routes.js';
import { buildOpenApiDocument, documentedRoutes, openApiRouter } from '../../../src/api/openapi.js';
import { SqliteBackboneStore } from '../../../src/registry/sqlite-store.js';
import { documentedApp } from '../../support/served-openapi.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a walk through a generated JSON document
type Json = Record<string, any>;

const store = new SqliteBackboneStore(':memory:');
afterAll(() => store.close());

const appWith = (full: boolean) => documentedApp(full, store);

const openApiOf = async (app: ReturnType<typeof createApp>) => (await request(app).get('/openapi.json').expect(200)).body as Json;

// the document the service serves with every optional router mounted
const doc = await openApiOf(appWith(true));
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const PUBLIC = ['/healthz', '/readyz', '/metrics', '/openapi.json'];

/** Follows one local $ref (#/components/...). */
function deref(node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  return node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<Json>((at, key) => at[key], doc);
}

const operations = (): Array<[string, string, Json]> =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]): [string, string, Json] => [path, method, op as Json]),
  );

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(String(doc.openapi)).toMatch(/^3\.1\./);
    // validate() dereferences in place: give it a copy
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('every path has operations, and every operation has responses', () => {
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      const methods = Object.keys(item as Json).filter((m) => HTTP_METHODS.includes(m));
      expect({ path, methods: methods.length > 0 }).toEqual({ path, methods: true });
    }
    for (const [path, method, op] of operations()) {
      expect({ path, method, responses: Object.keys(op.responses ?? {}).length > 0 }).toEqual({ path, method, responses: true });
    }
  });

  it('documents every route of the service', () => {
    const listed = documentedRoutes(doc).map((r) => `${r.method} ${r.path}`).sort();
    expect(listed).toEqual(
      [
        'POST /exchange',
        'GET /exchange',
        'PUT /exchange/:system_id',
        'DELETE /exchange/:system_id',
        'GET /exchange/:system_id',
        'GET /exchange/:system_id/operations/:operation_id',
        'POST /exchange/:system_id/cancel',
        'POST /exchange/:system_id/rollback',
        'POST /exchange/:system_id/revisions/query',
        'GET /chart/values-schema',
        'GET /chart/values-policy',
        'POST /backbones',
        'GET /backbones',
        'GET /backbones/:id',
        'DELETE /backbones/:id',
        'POST /codec/encode',
        'POST /codec/decode',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
      ].sort(),
    );
  });

  it('the POST /exchange body requires exactly the seed fields and checks release_name like the API does', () => {
    const schema = deref(doc.paths['/exchange'].post.requestBody.content['application/json'].schema);
    expect([...schema.required].sort()).toEqual(['cluster_id', 'helm_values', 'kubeconfig', 'name', 'org_ids', 'release_name']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['namespace', 'metadata']));
    expect(schema.properties.release_name).toMatchObject({ type: 'string', maxLength: 53, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
    expect(schema.properties.namespace).toMatchObject({ maxLength: 63, default: 'communication' });
    // schemas zod cannot express still say what they accept
    expect(schema.properties.kubeconfig.oneOf.map((s: Json) => s.type)).toEqual(['object', 'string']);
    expect(schema.properties.helm_values.type).toBe('object');
    expect(schema.properties.org_ids.anyOf.map((s: Json) => s.type)).toEqual(['string', 'array']);
  });

  it('documents the seed response shapes and the 202 of respond-async', () => {
    const post = doc.paths['/exchange'].post;
    // POST and PUT answer 200 with the seed shape, or with a preview for ?dry_run=true
    const [created, postPreview] = (post.responses['200'].content['application/json'].schema.anyOf as Json[]).map(deref);
    expect(created!.required).toEqual(expect.arrayContaining(['success', 'system_id', 'release_name', 'namespace', 'public_url']));
    expect(postPreview!.required).toEqual(expect.arrayContaining(['success', 'dry_run', 'values', 'objects', 'refused']));
    for (const [path, method] of [
      ['/exchange/{system_id}', 'put'],
      ['/exchange/{system_id}', 'delete'],
    ] as const) {
      const schema = doc.paths[path][method].responses['200'].content['application/json'].schema;
      const ok = deref(schema.anyOf?.[0] ?? schema);
      expect(ok.required).toEqual(expect.arrayContaining(['success', 'message']));
    }
    expect(doc.paths['/exchange/{system_id}'].put.parameters.map((p: Json) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['query:dry_run', 'query:manifests']));
    for (const [path, method] of [
      ['/exchange', 'post'],
      ['/exchange/{system_id}', 'put'],
      ['/exchange/{system_id}', 'delete'],
    ] as const) {
      const op = doc.paths[path][method];
      const accepted = deref(op.responses['202'].content['application/json'].schema);
      expect(accepted.required).toEqual(expect.arrayContaining(['system_id', 'operation_id', 'status_url']));
      expect(op.parameters.map((p: Json) => `${p.in}:${p.name}`)).toContain('header:Prefer');
    }
  });

  it('every error response is the error envelope', () => {
    const envelope = doc.components.schemas.ErrorResponse;
    expect(envelope.required).toEqual(['success', 'error']);
    expect(Object.keys(envelope.properties)).toEqual(expect.arrayContaining(['error_type', 'details']));
    expect(deref(envelope.properties.details.items).required).toEqual(['field', 'reason']);
    const post = doc.paths['/exchange'].post;
    for (const status of ['400', '401', '403', '404', '409', '413', '415', '422', '502', '503']) {
      const response = deref(post.responses[status]);
      expect({ status, schema: response.content['application/json'].schema }).toEqual({ status, schema: { $ref: '#/components/schemas/ErrorResponse' } });
    }
  });

  it('requires the bearer token everywhere except the probes, metrics and this document', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const [path, method, op] of operations()) {
      const open = Array.isArray(op.security) && op.security.length === 0;
      expect({ path, method, open }).toEqual({ path, method, open: PUBLIC.includes(path) });
    }
  });

  it('takes the server URL from the options', () => {
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:9000' }]);
    expect(buildOpenApiDocument([], {})).not.toHaveProperty('servers');
  });
});

describe('openApiRouter', () => {
  const chart = createChartRouter({} as ValuesGuard).at('/chart');
  const app = express().use(openApiRouter(chart, { serverUrl: 'http://127.0.0.1:9000' }));

  it('serves the document at /openapi.json', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    // the routes it was given, described as the service describes them, and itself
    expect(documentedRoutes(res.body).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /chart/values-schema', 'GET /chart/values-policy', 'GET /openapi.json']);
    for (const path of ['/chart/values-schema', '/openapi.json']) expect(res.body.paths[path]).toEqual(JSON.parse(JSON.stringify(doc.paths[path])));
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await request(app).get('/docs/').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
    const init = await request(app).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('NATS Exchange Deployer');
  });
});

// ---- every documented route is served ---------------------------------------------------------------------
// Served ⇒ documented holds by construction (every route is declared through DocumentedRouter with its description);
// documented ⇒ served is checked from outside: each documented method and path, its parameters filled in, reaches a
// route of the app (anything but the app's own "No route for …" answer).

describe('the real app', () => {
  // without the optional chart router and metrics: the document follows what is mounted
  const app = appWith(false);
  let documented: Array<{ method: string; path: string }> = [];
  beforeAll(async () => {
    documented = documentedRoutes(await openApiOf(app));
  });

  it('documents the seed routes', () => {
    expect(documented.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /healthz', 'POST /exchange', 'PUT /exchange/:system_id', 'DELETE /exchange/:system_id', 'GET /backbones/:id', 'POST /codec/encode']),
    );
  });

  it('every documented route reaches a route of the app', async () => {
    const unserved: string[] = [];
    for (const r of documented) {
      const path = r.path.replace(/:[A-Za-z_]+/g, '0b6f5c2e-8a44-4d8e-9c1e-2b1f6d7b9a10');
      const res = await request(app)[r.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path).send({});
      if (res.status === 404 && String(res.body?.error ?? '').startsWith('No route for')) unserved.push(`${r.method} ${r.path}`);
    }
    expect(unserved).toEqual([]);
  });

  it('a path nobody declared gets the app\'s own 404, and only the mounted routers are documented', async () => {
    const res = await request(app).get('/no-such-route');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('No route for GET /no-such-route');
    expect(documented.map((r) => r.path).filter((p) => /^\/(chart|metrics)(\/|$)/.test(p))).toEqual([]);
  });
});
