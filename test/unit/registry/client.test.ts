import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { BackboneDBClient, BackboneRegistryError } from '../../../src/registry/client.js';
import type { BackboneDBClientOptions } from '../../../src/registry/client.js';
import { requireBearer, TokenVerifier } from '../../../src/api/auth.js';
import { createLogger } from '../../../src/logger.js';
import { createRegistryRouter } from '../../../src/registry/router.js';
import { SqliteBackboneStore } from '../../../src/registry/sqlite-store.js';
import { anyString, newBackbone } from './fixtures.js';

type Fault = { kind: 'status'; status: number; body?: unknown } | { kind: 'reset' } | { kind: 'hang' };

/** Real registry on loopback, with a fault injector in front of it. */
class FakeRegistry {
  readonly store = new SqliteBackboneStore(':memory:');
  hits: { method: string; url: string; at: number; auth?: string }[] = [];
  private faults: Fault[] = [];
  private server!: Server;
  url = '';

  failNext(n: number, fault: Fault): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  async start(): Promise<void> {
    const app = express();
    app.use((req, res, next) => {
      this.hits.push({ method: req.method, url: req.originalUrl, at: Date.now(), auth: req.headers.authorization });
      const fault = this.faults.shift();
      if (!fault) return next();
      if (fault.kind === 'reset') return void req.socket.destroy();
      if (fault.kind === 'hang') return; // the client's timeout has to fire
      res.status(fault.status).json(fault.body ?? { success: false, error: `injected ${fault.status}` });
    });
    app.use('/backbones', createRegistryRouter(this.store, { logger: createLogger('silent', 'test'), authenticate: requireBearer(new TokenVerifier({})) }).router);
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.store.close();
  }
}

async function refusedUrl(): Promise<string> {
  // Bind and release a port so nothing is listening on it.
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function caught(p: Promise<unknown>): Promise<BackboneRegistryError> {
  const err: unknown = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackboneRegistryError);
  return err as BackboneRegistryError;
}

describe('BackboneDBClient', () => {
  let registry: FakeRegistry;
  let client: BackboneDBClient;
  const opts = (extra: Partial<BackboneDBClientOptions> = {}): BackboneDBClientOptions => ({
    baseUrl: registry.url,
    retryBaseDelayMs: 1,
    timeoutMs: 2000,
    ...extra,
  });

  beforeEach(async () => {
    registry = new FakeRegistry();
    await registry.start();
    client = new BackboneDBClient(opts());
  });

  afterEach(async () => {
    await registry.stop();
  });

  describe('happy paths', () => {
    it('creates, repeats create idempotently, gets, lists and deletes', async () => {
      const rec = newBackbone({ metadata: { 'app.kubernetes.io/name': 'nats', nested: { 'a.b': 1 } } });
      const created = await client.createBackbone(rec);
      expect(created).toEqual({ ...rec, created_at: anyString });
      await expect(client.createBackbone(rec)).resolves.toEqual(created);
      await expect(client.getBackbone(rec.system_id)).resolves.toEqual(created);

      await client.createBackbone(newBackbone({ org_ids: ['org10'] }));
      const page = await client.listBackbones({ org_id: 'org1' }, { limit: 10 });
      expect(page).toEqual({ items: [created], next_cursor: null });

      await expect(client.deleteBackbone(rec.system_id)).resolves.toBe(true);
      await expect(client.deleteBackbone(rec.system_id)).resolves.toBe(false);
      await expect(client.getBackbone(rec.system_id)).resolves.toBeNull();
      expect(registry.hits.every((h) => h.url.startsWith('/backbones'))).toBe(true);
    });

    it('follows cursors across pages', async () => {
      for (let i = 0; i < 5; i++) await client.createBackbone(newBackbone());
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listBackbones({}, cursor ? { limit: 2, cursor } : { limit: 2 });
        ids.push(...page.items.map((r) => r.system_id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(new Set(ids).size).toBe(5);
    });

    it('sends the token as a Bearer header, and none without a token', async () => {
      await new BackboneDBClient(opts({ token: 's3cr3t' })).getBackbone(randomUUID());
      await client.getBackbone(randomUUID());
      expect(registry.hits.map((h) => h.auth)).toEqual(['Bearer s3cr3t', undefined]);
    });

    it('escapes ids in the path', async () => {
      await expect(client.getBackbone('../x?y=1')).resolves.toBeNull();
      expect(registry.hits[0]?.url).toBe('/backbones/..%2Fx%3Fy%3D1');
    });

    it('accepts a trailing slash on baseUrl and a custom basePath', async () => {
      const c = new BackboneDBClient(opts({ baseUrl: `${registry.url}/`, basePath: 'backbones/' }));
      await expect(c.listBackbones()).resolves.toEqual({ items: [], next_cursor: null });
    });
  });

  describe('retries', () => {
    it('retries 5xx and succeeds within the budget', async () => {
      registry.failNext(3, { kind: 'status', status: 503 });
      const rec = newBackbone();
      await expect(client.createBackbone(rec)).resolves.toMatchObject({ system_id: rec.system_id });
      expect(registry.hits).toHaveLength(4);
    });

    it('gives up after 1 + retries attempts with code unavailable', async () => {
      registry.failNext(10, { kind: 'status', status: 503, body: { success: false, error: 'store down' } });
      const err = await caught(client.getBackbone(randomUUID()));
      expect(registry.hits).toHaveLength(4);
      expect(err).toMatchObject({ code: 'unavailable', status: 503, retryable: true, attempts: 4 });
      expect(err.message).toContain('GET /backbones/');
      expect(err.message).toContain('503');
      expect(err.message).toContain('store down');
    });

    it('honours a custom retry count, including zero', async () => {
      registry.failNext(10, { kind: 'status', status: 500 });
      await caught(new BackboneDBClient(opts({ retries: 1 })).listBackbones());
      expect(registry.hits).toHaveLength(2);
      registry.hits = [];
      await caught(new BackboneDBClient(opts({ retries: 0 })).listBackbones());
      expect(registry.hits).toHaveLength(1);
    });

    it('backs off exponentially', async () => {
      registry.failNext(10, { kind: 'status', status: 502 });
      await caught(new BackboneDBClient(opts({ retryBaseDelayMs: 40 })).getBackbone(randomUUID()));
      const at = registry.hits.map((h) => h.at);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      // Each delay is at least half its ceiling: 40, 80, 160 -> >= 20, 40, 80 (minus timer slack).
      expect(gaps[0]).toBeGreaterThanOrEqual(18);
      expect(gaps[1]).toBeGreaterThanOrEqual(38);
      expect(gaps[2]).toBeGreaterThanOrEqual(78);
    });

    it('retries connection resets', async () => {
      registry.failNext(2, { kind: 'reset' });
      await expect(client.getBackbone(randomUUID())).resolves.toBeNull();
      expect(registry.hits).toHaveLength(3);
    });

    it('reports exhausted resets as a retryable network error', async () => {
      registry.failNext(10, { kind: 'reset' });
      const err = await caught(client.deleteBackbone(randomUUID()));
      expect(registry.hits).toHaveLength(4);
      expect(err).toMatchObject({ code: 'network', retryable: true, attempts: 4 });
      expect(err.status).toBeUndefined();
      expect(err.message).toMatch(/DELETE \/backbones\/.*ECONNRESET/);
    });

    it('retries timeouts', async () => {
      registry.failNext(2, { kind: 'hang' });
      const c = new BackboneDBClient(opts({ timeoutMs: 100 }));
      await expect(c.listBackbones()).resolves.toEqual({ items: [], next_cursor: null });
      expect(registry.hits).toHaveLength(3);
    });

    it('reports exhausted timeouts as a retryable network error', async () => {
      registry.failNext(10, { kind: 'hang' });
      const c = new BackboneDBClient(opts({ timeoutMs: 50, retries: 1 }));
      const err = await caught(c.getBackbone(randomUUID()));
      expect(registry.hits).toHaveLength(2);
      expect(err).toMatchObject({ code: 'network', retryable: true, attempts: 2 });
    });

    it('retries refused connections', async () => {
      const c = new BackboneDBClient({ baseUrl: await refusedUrl(), retries: 2, retryBaseDelayMs: 1 });
      const err = await caught(c.getBackbone(randomUUID()));
      expect(err).toMatchObject({ code: 'network', retryable: true, attempts: 3 });
      expect(err.message).toContain('ECONNREFUSED');
    });

    it('recovers when the registry comes back between retries', async () => {
      const { port } = new URL(registry.url);
      await registry.stop();
      const restarted = express();
      let hits = 0;
      restarted.get('/backbones/:id', (_req, res) => {
        hits += 1;
        res.status(404).json({ success: false, error: 'not found' });
      });
      const c = new BackboneDBClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 5, retryBaseDelayMs: 50 });
      const pending = c.getBackbone(randomUUID());
      await new Promise((r) => setTimeout(r, 30));
      const server = restarted.listen(Number(port), '127.0.0.1');
      try {
        await expect(pending).resolves.toBeNull();
        expect(hits).toBe(1);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        registry = new FakeRegistry();
        await registry.start(); // keep afterEach happy
      }
    });
  });

  describe('4xx and conflicts', () => {
    it.each([400, 401, 403, 422, 429])('never retries HTTP %i', async (status) => {
      registry.failNext(10, { kind: 'status', status });
      const err = await caught(client.createBackbone(newBackbone()));
      expect(registry.hits).toHaveLength(1);
      expect(err).toMatchObject({ code: 'rejected', status, retryable: false, attempts: 1 });
    });

    it('maps a validation failure from the real router to rejected', async () => {
      const err = await caught(client.createBackbone({ ...newBackbone(), system_id: 'nope' }));
      expect(err).toMatchObject({ code: 'rejected', status: 400, retryable: false });
      expect(err.message).toContain('POST /backbones');
      expect(err.message).toContain('Invalid request');
    });

    it('maps 409 to conflict with existingSystemId', async () => {
      const first = newBackbone();
      await client.createBackbone(first);
      const clash = newBackbone({ cluster_id: first.cluster_id, namespace: first.namespace, release_name: first.release_name });
      const err = await caught(client.createBackbone(clash));
      expect(err).toMatchObject({ code: 'conflict', status: 409, retryable: false, existingSystemId: first.system_id });
      expect(registry.hits).toHaveLength(2);
    });

    it('keeps messages short and never includes the request body or token', async () => {
      // words, not one long run: a long alphanumeric run is treated as key material and redacted
      registry.failNext(1, { kind: 'status', status: 400, body: { success: false, error: 'too long '.repeat(600) } });
      const c = new BackboneDBClient(opts({ token: 'tok-SECRET' }));
      const err = await caught(c.createBackbone(newBackbone({ metadata: { password: 'hunter2-SECRET' } })));
      expect(err.message.length).toBeLessThan(300);
      expect(err.message).toMatch(/(too long ){5}/);
      const everything = JSON.stringify({ ...err, message: err.message, stack: err.stack });
      expect(everything).not.toContain('SECRET');
      expect(err.cause).toBeUndefined();
    });

    it('rejects a 2xx with an unexpected body as invalid_response', async () => {
      registry.failNext(1, { kind: 'status', status: 200, body: { success: true } });
      const err = await caught(client.getBackbone(randomUUID()));
      expect(err).toMatchObject({ code: 'invalid_response', status: 200, retryable: false });
    });
  });
});

describe('registry error bodies that quote credentials', () => {
  it('are scrubbed before they become an error message', async () => {
    const app = express();
    app.post('/backbones', (_req, res) => {
      res.status(422).json({ success: false, error: 'rejected: Authorization: Bearer abc.def.ghi and token: s3cr3t-t0ken' });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const client = new BackboneDBClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retries: 0 });
      const err = (await client.createBackbone(newBackbone()).catch((e: unknown) => e)) as Error;
      expect(err.message).toContain('rejected');
      expect(err.message).not.toContain('abc.def.ghi');
      expect(err.message).not.toContain('s3cr3t-t0ken');
    } finally {
      server.close();
    }
  });
});
