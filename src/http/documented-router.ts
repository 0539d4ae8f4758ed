// Routes declared together with their OpenAPI description: one call registers the express handlers and records the
// operation, from the same zod schemas the handlers validate with, so the document (assembled by openapi.ts) lists
// exactly the routes the routers serve. reply() sends an answer typed against the schema its route documents.
import { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { RouteParameters } from 'express-serve-static-core';
import { z } from 'zod';
import { extendZodWithOpenApi, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';

// Adds .openapi() to every zod schema; the modules that name components with it import this one first.
extendZodWithOpenApi(z);

/** A JSON request body: a schema that is a component already, or one named here, to which openapi.ts adds FIELD_DOCS. */
export type JsonBody = z.ZodType | { name: string; schema: z.ZodObject };

/** An operation's description; its method and path come from the route that declares it. */
export type RouteDoc = Omit<RouteConfig, 'method' | 'path' | 'request'> & {
  operationId: string;
  summary: string;
  request?: Omit<NonNullable<RouteConfig['request']>, 'body'> & { body?: JsonBody };
};

export type Method = 'get' | 'post' | 'put' | 'delete';

/** A declared route: method, OpenAPI path (`/exchange/{system_id}`) and description. */
export interface DocumentedRoute {
  method: Method;
  path: string;
  doc: RouteDoc;
}

/** `/:system_id/rollback` → `/{system_id}/rollback`. */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

type Handlers<P extends string> = Array<RequestHandler<RouteParameters<P>>>;
/** Registers the handlers of a route and records its description. */
type Declare = <P extends string>(path: P, doc: RouteDoc, ...handlers: Handlers<P>) => DocumentedRouter;

/** An express Router whose routes are declared with their descriptions; at(mountPath) lists them as served. */
export class DocumentedRouter {
  readonly router = Router();
  private readonly declared: DocumentedRoute[] = [];
  readonly get = this.method('get');
  readonly post = this.method('post');
  readonly put = this.method('put');
  readonly delete = this.method('delete');

  /** defaults: tags and security of every route that does not set its own. */
  constructor(private readonly defaults: Pick<RouteDoc, 'tags' | 'security'> = {}) {}

  /** Middleware for the routes declared after it, or an error handler for those before it. */
  use(...handlers: RequestHandler[]): this;
  use(...handlers: ErrorRequestHandler[]): this;
  use(...handlers: Array<RequestHandler | ErrorRequestHandler>): this {
    this.router.use(...handlers);
    return this;
  }

  /** The declared routes as served when the router is mounted at `mountPath` ('' or '/' for the root). */
  at(mountPath: string): DocumentedRoute[] {
    const base = mountPath.replace(/\/$/, '');
    return this.declared.map((r) => ({ ...r, path: openApiPath(`${base}${r.path === '/' ? '' : r.path}`) || '/' }));
  }

  private method(method: Method): Declare {
    return (path, doc, ...handlers) => {
      this.router[method](path, ...handlers);
      this.declared.push({ method, path, doc: { ...this.defaults, ...doc } });
      return this;
    };
  }
}

/** Sends a documented answer: TypeScript holds the body to the schema the route's doc names for it. */
export function reply<S extends z.ZodType>(res: Response, status: number, _schema: S, body: z.input<S>): void {
  res.status(status).json(body);
}

/** A JSON response described by a zod schema. */
export const json = (schema: z.ZodType, description: string, extra: Partial<ResponseConfig> = {}): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
  ...extra,
});

/** The error answers, each a component (openapi.ts registers them) whose body is the ErrorResponse envelope. */
export const ERROR_RESPONSES = {
  400: ['BadRequest', 'The request is invalid; `details` names every bad field.'],
  401: ['Unauthorized', 'No bearer token was sent.'],
  403: ['Forbidden', 'The bearer token is not accepted.'],
  404: ['NotFound', 'No such exchange, operation, release, revision or record.'],
  409: ['Conflict', 'The release or exchange exists already, or another operation on the exchange is running.'],
  413: ['PayloadTooLarge', 'The request body is too large.'],
  415: ['UnsupportedMediaType', 'The request body is not application/json.'],
  422: ['Unprocessable', 'The values cannot be applied: refused by the values policy (ValuesPolicy), a request that switches off the section it sets keys in (ContradictoryValues), a change Kubernetes does not allow in place (ImmutableField), or rejected by helm/the cluster.'],
  429: ['TooManyOperations', 'The organization has ORG_MAX_OPERATIONS deploys/updates in flight; retry after Retry-After seconds.'],
  500: ['InternalError', 'An unexpected error.'],
  501: ['NotImplemented', 'No registry is configured for this.'],
  502: ['BadGateway', 'The cluster or the registry failed or refused the operation.'],
  503: ['Unavailable', 'A dependency (the workflow engine or the registry store) is unreachable; retry later.'],
} as const satisfies Record<number, readonly [string, string]>;
export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** References to the error answers of these statuses. */
export const errors = (...statuses: ErrorStatus[]): Record<string, { $ref: string }> =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/${ERROR_RESPONSES[s][0]}` }]));

export const MUTATION_ERRORS: ErrorStatus[] = [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503];
export const READ_ERRORS: ErrorStatus[] = [400, 401, 403, 500, 503];
