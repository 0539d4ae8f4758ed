import express from 'express';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CAN, canSeeOrgs, forbidRole, hasRole, principalOf } from '../http/access.js';
import { DocumentedRouter, errors, json, READ_ERRORS, reply } from '../http/documented-router.js';
import { errorHandler, sendError, ValidationError, type ErrorWording } from '../http/errors.js';
import { Backbone, BackboneList } from './responses.js';
import { toFieldIssues } from '../domain/field-issues.js';
import { listQuerySchema, newBackboneSchema } from './schema.js';
import type { BackboneFilter, BackboneStore, NewBackbone } from './types.js';

export interface RegistryRouterOptions {
  /** Where unexpected (500) errors are logged; the response itself never carries details. */
  logger: Logger;
  /** Max JSON body size accepted by POST. */
  bodyLimit?: string;
  /**
   * Sets res.locals.principal (src/api/auth.ts requireBearer). Needed when the router is mounted outside the API
   * app, which authenticates before it; without a principal every request fails closed.
   */
  authenticate?: RequestHandler;
}

/** The registry's answers, which its client (client.ts) and older callers know: "Invalid request" with details. */
const REGISTRY_WORDING: ErrorWording = {
  invalid: () => 'Invalid request',
  notJson: { field: 'body', reason: 'malformed JSON' },
  tooLarge: 'Request body too large',
  badEncoding: 'Invalid request',
  badRequest: 'Invalid request',
  unavailable: 'Backbone store unavailable',
  internal: 'Internal server error',
};

const BackboneResponse = z.object({ success: z.literal(true), backbone: Backbone }).openapi('BackboneResponse');
const idParam = z.object({ id: z.string().meta({ description: 'system_id of the backbone' }) });

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Parses with the registry's field names (`org_ids.1`, `limit`); a failure is a 400 naming every bad field. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error, { indexes: 'dots' }));
  return parsed.data;
}

const notFound = (res: Response, id: string) => sendError(res, 404, `backbone ${id} not found`);

/** Registry REST API; the app mounts it under /backbones. */
export function createRegistryRouter(store: BackboneStore, opts: RegistryRouterOptions): DocumentedRouter {
  const router = new DocumentedRouter({ tags: ['registry'] });
  if (opts.authenticate) router.use(opts.authenticate);
  // writes are the worker's (or an admin's) business; checked before a body is even parsed
  router.use((req, res, next) => {
    if (!WRITES.has(req.method) || hasRole(principalOf(res), CAN.writeRegistry)) return next();
    forbidRole(res, CAN.writeRegistry);
  });
  // Parsing here too keeps the router self-contained; body-parser skips already-parsed bodies.
  router.use(express.json({ limit: opts.bodyLimit ?? '256kb' }));

  router.post(
    '/',
    {
      operationId: 'createBackbone',
      summary: 'Register a backbone',
      description: 'Idempotent for an identical record with the same system_id.',
      request: { body: newBackboneSchema.extend({}).openapi('NewBackbone') },
      responses: {
        200: json(BackboneResponse, 'The identical record existed already.'),
        201: json(BackboneResponse, 'Registered.'),
        ...errors(400, 401, 403, 409, 413, 415, 500, 503),
      },
    },
    async (req, res) => {
      const rec: NewBackbone = parse(newBackboneSchema, req.body);
      // Distinguishes a replayed create (200) from a fresh one (201); create() itself decides
      // idempotency vs conflict, so a race here only affects the status code.
      const existed = (await store.get(rec.system_id)) !== null;
      const backbone = await store.create(rec);
      reply(res, existed ? 200 : 201, BackboneResponse, { success: true, backbone });
    },
  );

  router.get(
    '/',
    { operationId: 'listBackbones', summary: 'List backbones', request: { query: listQuerySchema }, responses: { 200: json(BackboneList, 'One page of backbones.'), ...errors(...READ_ERRORS) } },
    async (req, res) => {
      const { limit, cursor, org_ids, ...rest } = parse(listQuerySchema, req.query);
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
      reply(res, 200, BackboneList, { success: true, items: page.items, next_cursor: page.next_cursor });
    },
  );

  router.get(
    '/:id',
    { operationId: 'getBackbone', summary: 'A backbone', request: { params: idParam }, responses: { 200: json(BackboneResponse, 'The backbone.'), ...errors(401, 403, 404, 500, 503) } },
    async (req, res) => {
      const backbone = await store.get(req.params.id);
      const principal = principalOf(res);
      // another org's record answers exactly like a missing one: ids must not tell what exists
      if (!backbone || !(hasRole(principal, CAN.readAllRegistry) || canSeeOrgs(principal, backbone.org_ids))) return notFound(res, req.params.id);
      reply(res, 200, BackboneResponse, { success: true, backbone });
    },
  );

  router.delete(
    '/:id',
    { operationId: 'deleteBackbone', summary: 'Deregister a backbone', request: { params: idParam }, responses: { 204: { description: 'Deleted.' }, ...errors(401, 403, 404, 500, 503) } },
    async (req, res) => {
      if (!(await store.delete(req.params.id))) return notFound(res, req.params.id);
      res.status(204).end();
    },
  );

  router.use(errorHandler(opts.logger, REGISTRY_WORDING));
  return router;
}
