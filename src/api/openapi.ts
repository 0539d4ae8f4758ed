// The OpenAPI 3.1 description of the service, assembled from the routes the routers declare with their docs
// (documented-router.ts), from the same zod schemas that validate requests and type the answers, so the document
// cannot drift from what the API accepts and sends. openApiRouter serves the document and a Swagger UI for it.
import type { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { DocumentedRouter, ERROR_RESPONSES, type DocumentedRoute, type JsonBody } from '../http/documented-router.js';
import { uuid } from './responses.js';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/**
 * Documentation for request fields whose validation zod cannot express as JSON Schema (z.custom / z.unknown
 * checked by superRefine) or whose accepted input differs from the parsed output. Applied by field name to
 * every request body a route names (JsonBody { name, schema }) that has the field.
 */
const FIELD_DOCS: Record<string, Record<string, unknown>> = {
  kubeconfig: {
    description:
      'Kubeconfig of the target cluster: an object, or its YAML/JSON text. The current context (or the only one) is used; ' +
      'exec/auth-provider users and file references are refused unless the service allows them. Only the used context travels on, encrypted.',
    oneOf: [
      { type: 'object', additionalProperties: true, description: 'kubeconfig as a JSON object' },
      { type: 'string', minLength: 1, description: 'kubeconfig as YAML or JSON text' },
    ],
  },
  helm_values: {
    type: 'object',
    additionalProperties: true,
    description:
      'Helm value overrides on top of the base values. Dotted keys expand to nested objects ("config.jetstream.enabled": true). ' +
      'At most 256 KiB as JSON and 32 levels deep; numbers must be finite.',
    example: { 'config.jetstream.enabled': true, 'config.cluster.replicas': 3 },
  },
  metadata: {
    type: 'object',
    additionalProperties: true,
    description: 'Free-form attributes stored with the exchange in the registry.',
  },
  org_ids: {
    description: 'Organizations the exchange serves: a comma-separated string or a list; 1–100 ids of letters, digits and . _ : @ - (≤ 128 characters each).',
    example: 'org1,org2',
  },
  release_name: { description: 'Helm release name (a Kubernetes name, at most 53 characters).', example: 'exchange-a' },
  namespace: { description: 'Kubernetes namespace of the release.' },
  cluster_id: { description: 'Id of the target cluster, as the caller knows it.' },
  name: { description: 'Display name of the exchange.' },
};

/** The body schema with FIELD_DOCS applied to its fields, registered as a component. Validation is unchanged. */
function documentedBody(name: string, body: z.ZodObject) {
  const overrides: Record<string, z.ZodType> = {};
  for (const [field, schema] of Object.entries(body.shape)) {
    const docs = FIELD_DOCS[field];
    if (docs) overrides[field] = (schema as z.ZodType).meta(docs);
  }
  // extend keeps strictness (additionalProperties: false) and builds a schema that has .openapi()
  return body.extend(overrides).openapi(name);
}

const FieldIssue = z.object({ field: z.string().meta({ example: 'release_name' }), reason: z.string().meta({ example: 'must be at most 53 characters' }) }).openapi('FieldIssue');

const ErrorResponse = z
  .looseObject({
    success: z.literal(false),
    error: z.string().meta({ description: 'What went wrong; never quotes secrets from the request.' }),
    error_type: z.string().optional().meta({ description: 'Failure type (e.g. ReleaseAlreadyExists, HelmRejected, OperationInProgress).' }),
    details: z.array(FieldIssue).optional().meta({ description: 'One entry per invalid field (400).' }),
    system_id: uuid.optional(),
    existing_system_id: uuid.optional().meta({ description: 'The exchange that already holds the release (409).' }),
    workflow_id: z.string().optional(),
    workflow_url: z.string().optional(),
  })
  .openapi('ErrorResponse');


const jsonBody = (body: JsonBody) => ({
  required: true,
  content: { 'application/json': { schema: body instanceof z.ZodType ? body : documentedBody(body.name, body.schema) } },
});

function routeConfig({ method, path, doc }: DocumentedRoute): RouteConfig {
  const { request, ...rest } = doc;
  if (!request) return { ...rest, method, path };
  const { body, ...parts } = request;
  return { ...rest, method, path, request: body ? { ...parts, body: jsonBody(body) } : parts };
}

export interface OpenApiOptions {
  /** Base URL of the API, e.g. https://deployer.example.com; omitted = relative to the document. */
  serverUrl?: string;
  version?: string;
}

export function buildOpenApiDocument(routes: DocumentedRoute[], opts: OpenApiOptions = {}): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of the API tokens (API_TOKENS). Not required when the service runs without tokens (development).',
  });
  for (const [name, schema] of Object.entries({ FieldIssue, ErrorResponse })) registry.register(name, schema);
  for (const [, [name, description]] of Object.entries(ERROR_RESPONSES)) {
    registry.registerComponent('responses', name, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } });
  }
  for (const route of routes) registry.registerPath(routeConfig(route));

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'NATS Exchange Deployer',
      version: opts.version ?? '0.1.0',
      description: 'Deploys, changes and removes NATS exchanges on remote Kubernetes clusters through durable Temporal workflows.',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'exchange', description: 'Exchanges (the seed contract and its read side)' },
      { name: 'registry', description: 'Backbone Registry' },
      { name: 'codec', description: 'Temporal codec server' },
      { name: 'operations', description: 'Probes, metrics and this document' },
    ],
  });
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Method (upper case) and express-style path (`/exchange/:system_id`) of every operation in the document. */
export function documentedRoutes(doc: { paths?: Record<string, object> }): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      if (method in item) out.push({ method: method.toUpperCase(), path: path.replace(/\{([^}]+)\}/g, ':$1') });
    }
  }
  return out;
}

/**
 * GET /openapi.json, describing `routes` and itself, and the Swagger UI at /docs; mount before authentication (a
 * browser sends no bearer token).
 */
export function openApiRouter(routes: DocumentedRoute[], opts: OpenApiOptions = {}): Router {
  const router = new DocumentedRouter({ tags: ['operations'], security: [] });
  const json = { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' as const } } } };
  // the document lists this route too, so it is built below, once the route is declared (before any request)
  router.get('/openapi.json', { operationId: 'openapi', summary: 'This document', responses: { 200: json } }, (_req, res) => {
    res.json(document);
  });
  const document = buildOpenApiDocument([...routes, ...router.at('/')], opts);
  router.router.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'NATS Exchange Deployer API' }));
  return router.router;
}
