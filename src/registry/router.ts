import express from 'express';
import type { NextFunction, Request, Response } from 'express';
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
}

function invalid(res: Response, details: { field: string; reason: string }[]): void {
  res.status(400).json({ success: false, error: 'Invalid request', details });
}

/** Registry REST API; the app mounts it under /backbones. */
export function createRegistryRouter(store: BackboneStore, opts: RegistryRouterOptions = {}): express.Router {
  const router = express.Router();
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
    const { limit, cursor, ...rest } = parsed.data;
    const filter: BackboneFilter = {};
    for (const [k, v] of Object.entries(rest) as [keyof BackboneFilter, string | undefined][]) {
      if (v !== undefined) filter[k] = v;
    }
    const page = await store.list(filter, cursor === undefined ? { limit } : { limit, cursor });
    res.status(200).json({ success: true, items: page.items, next_cursor: page.next_cursor });
  });

  router.get('/:id', async (req, res) => {
    const backbone = await store.get(req.params.id);
    if (!backbone) {
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
