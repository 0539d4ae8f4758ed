import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CAN, canSeeOrgs, forbidRole, hasRole, principalOf } from '../api/access.js';
import { listQuerySchema, newBackboneSchema, toFieldIssues } from './schema.js';
import {
  BackboneConflictError,
  BackboneInvalidCursorError,
  BackboneStoreUnavailableError,
} from './types.js';
import type { BackboneFilter, BackboneStore, NewBackbone } from './types.js';

export interface RegistryRouterOptions {
  /** Called for unexpected (500) errors; the response itself never carries details. */
  onError?: (err: unknown, req: Request) => void;
  /** Max JSON body size accepted by POST. */
  bodyLimit?: string;
  /**
   * Sets res.locals.principal (src/api/auth.ts requireBearer). Needed when the router is mounted outside the API
   * app, which authenticates before it; without a principal every request fails closed.
   */
  authenticate?: RequestHandler;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function invalid(res: Response, details: { field: string; reason: string }[]): void {
  res.status(400).json({ success: false, error: 'Invalid request', details });
}

/** Registry REST API; the app mounts it under /backbones. */
export function createRegistryRouter(store: BackboneStore, opts: RegistryRouterOptions = {}): express.Router {
  const router = express.Router();
  if (opts.authenticate) router.use(opts.authenticate);
  // writes are the worker's (or an admin's) business; checked before a body is even parsed
  router.use((req, res, next) => {
    if (!WRITES.has(req.method) || hasRole(principalOf(res), CAN.writeRegistry)) return next();
    forbidRole(res, CAN.writeRegistry);
  });
  // Parsing here too keeps the router self-contained; body-parser skips already-parsed bodies.
  router.use(express.json({ limit: opts.bodyLimit ?? '256kb' }));

  router.post('/', async (req, res) => {
    const parsed = newBackboneSchema.safeParse(req.body);
    if (!parsed.success) return invalid(res, toFieldIssues(parsed.error));
    const rec: NewBackbone = parsed.data;
    // Distinguishes a replayed create (200) from a fresh one (201); create() itself decides
    // idempotency vs conflict, so a race here only affects the status code.
    const existed = (await store.get(rec.system_id)) !== null;
    const backbone = await store.create(rec);
    res.status(existed ? 200 : 201).json({ success: true, backbone });
  });

  router.get('/', async (req, res) => {
    const parsed = listQuerySchema.safeParse(req.query);
    if (!parsed.success) return invalid(res, toFieldIssues(parsed.error));
    const { limit, cursor, org_ids, ...rest } = parsed.data;
    const filter: BackboneFilter = {};
    for (const [k, v] of Object.entries(rest) as [Exclude<keyof BackboneFilter, 'org_ids'>, string | undefined][]) {
      if (v !== undefined) filter[k] = v;
    }
    if (org_ids !== undefined) filter.org_ids = org_ids;
    const principal = principalOf(res);
    // everyone else reads only records of their own orgs
    if (!hasRole(principal, CAN.readAllRegistry)) {
      filter.org_ids = (filter.org_ids ?? principal.orgs).filter((o) => principal.orgs.includes(o));
    }
    const page = await store.list(filter, cursor === undefined ? { limit } : { limit, cursor });
    res.status(200).json({ success: true, items: page.items, next_cursor: page.next_cursor });
  });

  router.get('/:id', async (req, res) => {
    const backbone = await store.get(req.params.id);
    const principal = principalOf(res);
    // another org's record answers exactly like a missing one: ids must not tell what exists
    if (!backbone || !(hasRole(principal, CAN.readAllRegistry) || canSeeOrgs(principal, backbone.org_ids))) {
      res.status(404).json({ success: false, error: `backbone ${req.params.id} not found` });
      return;
    }
    res.status(200).json({ success: true, backbone });
  });

  router.delete('/:id', async (req, res) => {
    if (await store.delete(req.params.id)) {
      res.status(204).end();
      return;
    }
    res.status(404).json({ success: false, error: `backbone ${req.params.id} not found` });
  });

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof BackboneConflictError) {
      res.status(409).json({ success: false, error: err.message, existing_system_id: err.existingSystemId });
      return;
    }
    if (err instanceof BackboneStoreUnavailableError) {
      res.setHeader('Retry-After', '1');
      res.status(503).json({ success: false, error: 'Backbone store unavailable' });
      return;
    }
    if (err instanceof BackboneInvalidCursorError) {
      return invalid(res, [{ field: 'cursor', reason: err.message }]);
    }
    // body-parser errors carry a `type` and a 4xx status.
    const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
    if (type === 'entity.parse.failed') return invalid(res, [{ field: 'body', reason: 'malformed JSON' }]);
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const error = type === 'entity.too.large' ? 'Request body too large' : 'Invalid request';
      res.status(status).json({ success: false, error });
      return;
    }
    opts.onError?.(err, req);
    res.status(500).json({ success: false, error: 'Internal server error' });
  });

  return router;
}
