// The OpenAPI 3.1 description of the service, generated from the same zod schemas that validate requests, so
// the document cannot drift from what the API accepts. Response shapes (which no schema validates) are
// described here once. openApiRouter serves the document and a Swagger UI for it.
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { DEFAULT_KUBECONFIG_POLICY } from '../domain/kubeconfig.js';
import { backboneRecordSchema, listQuerySchema, newBackboneSchema } from '../registry/schema.js';
import { createSchemas, type Schemas } from './schemas.js';

// Adds .openapi() to schemas built from here on (zod 4 copies methods onto each instance when it is built, so
// the request schemas built earlier get their documentation through .meta(), which every schema has).
extendZodWithOpenApi(z);

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/**
 * Documentation for request fields whose validation zod cannot express as JSON Schema (z.custom / z.unknown
 * checked by superRefine) or whose accepted input differs from the parsed output. Applied by field name to
 * every request body that has the field.
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
function documentedBody<T extends z.ZodObject>(name: string, body: T) {
  const overrides: Record<string, z.ZodType> = {};
  for (const [field, schema] of Object.entries(body.shape)) {
    const docs = FIELD_DOCS[field];
    if (docs) overrides[field] = (schema as z.ZodType).meta(docs);
  }
  // extend keeps strictness (additionalProperties: false) and builds a schema that has .openapi()
  return body.extend(overrides).openapi(name);
}

const uuid = z.uuid();
const workflowFields = {
  operation_id: z.string().meta({ description: 'Id of this operation (the workflow run); poll /exchange/{system_id}/operations/{operation_id}.' }),
  workflow_id: z.string().meta({ description: 'Temporal workflow id (exchange-<system_id>).' }),
  workflow_url: z.string().meta({ description: 'The workflow in the Temporal Web UI.' }),
};

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

const CreateExchangeResponse = z
  .object({
    success: z.literal(true),
    system_id: uuid.meta({ description: 'Id of the exchange, derived from (cluster_id, namespace, release_name).' }),
    release_name: z.string(),
    namespace: z.string(),
    public_url: z.string().meta({ description: 'URL clients use to reach the exchange.', example: 'https://edge.example.com/nats/exchange-a' }),
    revision: z.number().int().meta({ description: 'Helm release revision.' }),
    ...workflowFields,
  })
  .openapi('CreateExchangeResponse');

const UpdateExchangeResponse = z
  .object({
    success: z.literal(true),
    message: z.string().meta({ example: "Exchange 'exchange-a' updated successfully" }),
    system_id: uuid,
    revision: z.number().int(),
    ...workflowFields,
  })
  .openapi('UpdateExchangeResponse');

const RemoveExchangeResponse = z
  .object({
    success: z.literal(true),
    message: z.string().meta({ example: "Exchange 'exchange-a' removed from cluster and DB" }),
    system_id: uuid,
    release_uninstalled: z.boolean().meta({ description: 'false when the release was already gone.' }),
    record_deleted: z.boolean().meta({ description: 'false when the registry had no record.' }),
    volumes: z
      .object({
        action: z.enum(['kept', 'deleted']),
        claims: z.array(z.string()).meta({ description: 'The JetStream PersistentVolumeClaims of the release.' }),
        note: z.string(),
      })
      .meta({ description: 'What happened to the exchange’s JetStream data: kept unless `delete_data` was true.' }),
    ...workflowFields,
  })
  .openapi('RemoveExchangeResponse');

const ObjectRef = z.object({
  kind: z.string().meta({ example: 'StatefulSet' }),
  name: z.string().meta({ example: 'exchange-a-nats' }),
  digest: z.string().meta({ description: 'sha256 (hex) of the object’s canonical JSON (keys sorted).' }),
});
const RenderedObject = ObjectRef.extend({
  manifest: z.record(z.string(), z.unknown()).optional().meta({ description: 'The object in full, with `manifests=true` (a Secret’s values hidden).' }),
}).openapi('RenderedObject');
const RefusedObject = z
  .object({
    kind: z.string(),
    name: z.string(),
    reason: z.string(),
    source: z.enum(['chart-rules', 'api-server']).meta({ description: 'chart-rules: the project’s rules (immutable StatefulSet fields) before helm; api-server: the API server’s dry-run apply.' }),
  })
  .openapi('RefusedObject');
const PreviewResponse = z
  .object({
    success: z.literal(true),
    dry_run: z.literal(true),
    system_id: uuid,
    release_name: z.string(),
    namespace: z.string(),
    applicable: z.boolean().meta({ description: 'false when `refused` is not empty: the real request would fail (422) and change nothing.' }),
    message: z.string(),
    chart_version: z.string().nullable(),
    values: z.record(z.string(), z.unknown()).meta({ description: 'The values helm would get: base values, the release’s kept overrides (PUT) and the request’s; credentials shown as "<redacted>".' }),
    objects: z.array(RenderedObject).meta({ description: 'Every object the chart renders, in manifest order.' }),
    refused: z.array(RefusedObject),
    unchecked: z.array(z.object({ kind: z.string(), name: z.string(), reason: z.string() })).meta({ description: 'Objects the API server’s dry run could not check (e.g. the namespace does not exist yet).' }),
    diff: z
      .object({
        base_revision: z.number().int().meta({ description: 'The deployed revision the render is compared with.' }),
        added: z.array(ObjectRef),
        removed: z.array(ObjectRef),
        changed: z.array(z.object({ kind: z.string(), name: z.string(), old_digest: z.string(), new_digest: z.string() })),
        unchanged: z.number().int(),
      })
      .optional()
      .meta({ description: 'PUT only: the difference to the live release, object by object (kind/name).' }),
    operation_id: z.string(),
    workflow_id: z.string().meta({ description: 'The preview’s own workflow (preview-<system_id>-<random>); it takes no lock.' }),
    workflow_url: z.string(),
  })
  .openapi('PreviewResponse');

const RollbackResponse = z
  .object({
    success: z.literal(true),
    message: z.string().meta({ example: "Exchange 'exchange-a' rolled back to revision 1" }),
    system_id: uuid,
    revision: z.number().int().meta({ description: 'The revision the rollback made.' }),
    restored_revision: z.number().int().meta({ description: 'The revision whose values and chart it restored.' }),
    ...workflowFields,
  })
  .openapi('RollbackResponse');

const RevisionsResponse = z
  .object({
    success: z.literal(true),
    system_id: uuid,
    release_name: z.string(),
    namespace: z.string(),
    revisions: z.array(
      z.object({
        revision: z.number().int(),
        status: z.string().meta({ description: 'helm’s status: deployed, superseded, failed, pending-…', example: 'deployed' }),
        chart_version: z.string().nullable(),
        app_version: z.string().nullable(),
        updated_at: z.string().nullable().meta({ format: 'date-time' }),
        description: z.string().nullable().meta({ example: 'Rollback to 1' }),
        values_digest: z.string().meta({ description: 'sha256 (hex) of the revision’s values (canonical JSON): equal digests, equal values.' }),
        made_by: z
          .union([z.object({ operation: z.string(), operation_id: z.string(), workflow_id: z.string(), workflow_url: z.string() }), z.null()])
          .meta({ description: 'The deploy, update or rollback of this service that made the revision (from Temporal’s records); null when none did (e.g. helm run by hand) or its record is past retention.' }),
      }),
    ).meta({ description: 'Oldest first, as `helm history` lists them (helm keeps HELM_HISTORY_MAX).' }),
  })
  .openapi('RevisionsResponse');

const CancelResponse = z
  .object({
    success: z.literal(true),
    system_id: uuid,
    cancelled_operation: z.string().meta({ description: 'deploy, update or rollback (a removal is never cancelled: it is reported as it ended).' }),
    status: z.string().meta({ description: 'How the operation ended: cancelled (its compensation ran), or succeeded/failed when it ended first.' }),
    operation_id: z.string(),
    workflow_id: z.string(),
    workflow_url: z.string(),
  })
  .openapi('CancelResponse');

const OperationAccepted = z
  .object({
    success: z.literal(true),
    status: z.literal('running'),
    system_id: uuid,
    release_name: z.string().optional(),
    namespace: z.string().optional(),
    operation_id: workflowFields.operation_id,
    status_url: z.string().meta({ description: 'Relative URL to poll for the outcome.', example: '/exchange/7b6f0f0e-6a2b-4c1e-9d7a-2f3c4b5a6d7e/operations/0d9c…' }),
    workflow_id: workflowFields.workflow_id,
    workflow_url: workflowFields.workflow_url,
  })
  .openapi('OperationAccepted');

const OperationStatus = z
  .object({
    operation_id: z.string(),
    workflow_id: z.string(),
    operation: z.string().meta({ description: 'deploy, update, remove or rollback.', example: 'deploy' }),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']),
    step: z.string().nullable().meta({ description: 'Step the operation is at (running) or failed at.' }),
    detail: z.string().optional().meta({ description: 'What the running step reports, e.g. "2/3 NATS pods ready" or "waiting for the registry (attempt 3, last error: …)".' }),
    started_at: z.string().nullable().meta({ format: 'date-time' }),
    closed_at: z.string().nullable().meta({ format: 'date-time' }),
    result: z.unknown().optional().meta({ description: 'The workflow result (succeeded).' }),
    error: z.string().optional(),
    error_type: z.string().optional(),
    workflow_url: z.string(),
  })
  .openapi('OperationStatus');

const OperationStatusResponse = OperationStatus.extend({ success: z.literal(true), system_id: uuid }).openapi('OperationStatusResponse');

const Backbone = backboneRecordSchema
  .extend({ created_at: z.string().meta({ format: 'date-time', description: 'Assigned by the registry.' }) })
  .openapi('Backbone');

const ExchangeDetail = z
  .object({
    success: z.literal(true),
    system_id: uuid,
    // unions, not .nullable(): a nullable $ref comes out as allOf [ref, {type: [object, null]}], which null fails
    exchange: z.union([Backbone, z.null()]).meta({ description: 'The registry record; null while the exchange is not (or no longer) registered.' }),
    latest_operation: z.union([OperationStatus.extend({ status_url: z.string() }).openapi('LatestOperation'), z.null()]),
  })
  .openapi('ExchangeDetail');

const BackboneList = z
  .object({
    success: z.literal(true),
    items: z.array(Backbone),
    next_cursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page.' }),
  })
  .openapi('BackboneList');

const BackboneResponse = z.object({ success: z.literal(true), backbone: Backbone }).openapi('BackboneResponse');

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/).meta({ contentEncoding: 'base64' });
const CodecPayloads = z
  .object({
    payloads: z.array(z.strictObject({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })).max(1000),
  })
  .openapi('CodecPayloads');

const Health = z.object({ status: z.literal('ok') }).openapi('Health');
const Readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.string()).meta({ description: 'Each dependency: "ok" or "unavailable: <reason>".', example: { temporal: 'ok', registry: 'ok' } }),
  })
  .openapi('Readiness');

const ERRORS = {
  400: ['BadRequest', 'The request is invalid; `details` names every bad field.'],
  401: ['Unauthorized', 'No bearer token was sent.'],
  403: ['Forbidden', 'The bearer token is not accepted.'],
  404: ['NotFound', 'No such exchange, operation, release, revision or record.'],
  409: ['Conflict', 'The release or exchange exists already, or another operation on the exchange is running.'],
  413: ['PayloadTooLarge', 'The request body is too large.'],
  415: ['UnsupportedMediaType', 'The request body is not application/json.'],
  422: ['Unprocessable', 'The values cannot be applied: refused by the values policy (ValuesPolicy), a key with no effect (IneffectiveOverride), a change Kubernetes does not allow in place (ImmutableField), or rejected by helm/the cluster.'],
  429: ['TooManyOperations', 'The organization has ORG_MAX_OPERATIONS deploys/updates in flight; retry after Retry-After seconds.'],
  500: ['InternalError', 'An unexpected error.'],
  501: ['NotImplemented', 'No registry is configured for this.'],
  502: ['BadGateway', 'The cluster or the registry failed or refused the operation.'],
  503: ['Unavailable', 'A dependency (the workflow engine or the registry store) is unreachable; retry later.'],
} as const satisfies Record<number, readonly [string, string]>;
type ErrorStatus = keyof typeof ERRORS;

const errors = (...statuses: ErrorStatus[]): Record<string, { $ref: string }> =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/${ERRORS[s][0]}` }]));

const json = (schema: z.ZodType, description: string, extra: Partial<ResponseConfig> = {}): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
  ...extra,
});

const MUTATION_ERRORS: ErrorStatus[] = [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503];
const READ_ERRORS: ErrorStatus[] = [400, 401, 403, 500, 503];

const preferHeader = z.object({
  Prefer: z
    .string()
    .optional()
    .meta({ description: '`respond-async`: answer 202 as soon as the operation started, with a status URL to poll.', example: 'respond-async' }),
});

const accepted: ResponseConfig = json(OperationAccepted, 'Started and still running: poll `status_url`. Answered for `Prefer: respond-async`, or when the operation outlasts the synchronous wait.', {
  headers: {
    Location: { description: 'The status URL.', schema: { type: 'string' } },
    'Preference-Applied': { description: '`respond-async` when the Prefer header was honoured.', schema: { type: 'string' } },
  },
});

export interface OpenApiOptions {
  /** Base URL of the API, e.g. https://deployer.example.com; omitted = relative to the document. */
  serverUrl?: string;
  version?: string;
}

export function buildOpenApiDocument(schemas: Schemas, opts: OpenApiOptions = {}): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of the API tokens (API_TOKENS). Not required when the service runs without tokens (development).',
  });
  for (const [name, schema] of Object.entries({ FieldIssue, ErrorResponse })) registry.register(name, schema);
  for (const [, [name, description]] of Object.entries(ERRORS)) {
    registry.registerComponent('responses', name, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } });
  }

  const createBody = documentedBody('CreateExchangeRequest', schemas.createExchange.body);
  const updateBody = documentedBody('UpdateExchangeRequest', schemas.updateExchange.body);
  const removeBody = documentedBody('RemoveExchangeRequest', schemas.removeExchange.body);
  const jsonBody = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } });

  const routes: RouteConfig[] = [
    {
      method: 'post',
      path: '/exchange',
      operationId: 'createExchange',
      tags: ['exchange'],
      summary: 'Deploy an exchange',
      description:
        'Installs the NATS release on the cluster and registers the exchange. Waits for the outcome unless `Prefer: respond-async` is sent. ' +
        'With `dry_run=true` nothing changes: the answer (always synchronous) is a PreviewResponse of what the deploy would apply.',
      request: { query: schemas.createExchange.query, headers: preferHeader, body: jsonBody(createBody) },
      responses: { 200: json(z.union([CreateExchangeResponse, PreviewResponse]), 'Deployed and registered; with dry_run=true, the preview.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    {
      method: 'put',
      path: '/exchange/{system_id}',
      operationId: 'updateExchange',
      tags: ['exchange'],
      summary: 'Change an exchange',
      description:
        'Upgrades the release with the new value overrides on top of the ones it has. With `dry_run=true` nothing changes: the answer is a ' +
        'PreviewResponse with the difference to the live release; a change the real PUT would be refused for (an immutable StatefulSet ' +
        'field, an object the API server rejects) is listed in `refused` with 200 and `applicable: false`.',
      request: { params: schemas.updateExchange.params, query: schemas.updateExchange.query, headers: preferHeader, body: jsonBody(updateBody) },
      responses: { 200: json(z.union([UpdateExchangeResponse, PreviewResponse]), 'Upgraded; with dry_run=true, the preview.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    {
      method: 'post',
      path: '/exchange/{system_id}/rollback',
      operationId: 'rollbackExchange',
      tags: ['exchange'],
      summary: 'Roll an exchange back to an earlier revision',
      description:
        'helm rollback to `revision` (waiting for readiness like a PUT), under the exchange’s lock (409 while another operation runs). ' +
        'Refused before helm runs (error_type RollbackFailed, the message naming the cause) when the revision’s values fail today’s values policy (422) ' +
        'or schema (400), or would change an immutable StatefulSet field of the deployed release (422); 404 when helm no longer keeps the revision.',
      request: { params: schemas.rollbackExchange.params, headers: preferHeader, body: jsonBody(documentedBody('RollbackExchangeRequest', schemas.rollbackExchange.body)) },
      responses: { 200: json(RollbackResponse, 'Rolled back.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    {
      method: 'post',
      path: '/exchange/{system_id}/revisions/query',
      operationId: 'queryRevisions',
      tags: ['exchange'],
      summary: 'The release’s helm revisions',
      description:
        'Reads helm’s release records in the cluster (the worker does, with the kubeconfig of the body — a POST because the credentials must ' +
        'not travel in a URL or header). Changes nothing and takes no lock. Body as for DELETE (the same ownership checks); role deployer or viewer.',
      request: { params: schemas.queryRevisions.params, body: jsonBody(documentedBody('QueryRevisionsRequest', schemas.queryRevisions.body)) },
      responses: { 200: json(RevisionsResponse, 'The revisions, oldest first.'), ...errors(...MUTATION_ERRORS) },
    },
    {
      method: 'delete',
      path: '/exchange/{system_id}',
      operationId: 'removeExchange',
      tags: ['exchange'],
      summary: 'Remove an exchange',
      description: 'Uninstalls the release and deletes the registry record; either being gone already is success.',
      request: { params: schemas.removeExchange.params, headers: preferHeader, body: jsonBody(removeBody) },
      responses: { 200: json(RemoveExchangeResponse, 'Removed.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    {
      method: 'get',
      path: '/exchange',
      operationId: 'listExchanges',
      tags: ['exchange'],
      summary: 'List exchanges',
      request: { query: schemas.listExchanges.query },
      responses: { 200: json(BackboneList, 'One page of exchanges.'), ...errors(...READ_ERRORS, 501) },
    },
    {
      method: 'get',
      path: '/exchange/{system_id}',
      operationId: 'getExchange',
      tags: ['exchange'],
      summary: 'An exchange and its latest operation',
      request: { params: schemas.getExchange.params },
      responses: { 200: json(ExchangeDetail, 'The exchange.'), ...errors(...READ_ERRORS, 404) },
    },
    {
      method: 'get',
      path: '/exchange/{system_id}/operations/{operation_id}',
      operationId: 'getOperation',
      tags: ['exchange'],
      summary: 'The state of one operation',
      request: { params: schemas.getOperation.params },
      responses: { 200: json(OperationStatusResponse, 'The operation.'), ...errors(...READ_ERRORS, 404) },
    },
    {
      method: 'post',
      path: '/exchange/{system_id}/cancel',
      operationId: 'cancelOperation',
      tags: ['exchange'],
      summary: 'Cancel the running deploy or update',
      description: 'Cancels the exchange’s running operation and waits until it ended: a deploy’s saga uninstalls what it installed. Nothing else is removed. Body as for DELETE (the same ownership checks).',
      request: { params: schemas.cancelOperation.params, body: jsonBody(documentedBody('CancelOperationRequest', schemas.cancelOperation.body)) },
      responses: { 200: json(CancelResponse, 'Cancelled (or it ended first: see status).'), ...errors(...MUTATION_ERRORS) },
    },
    {
      method: 'get',
      path: '/chart/values-schema',
      operationId: 'getValuesSchema',
      tags: ['chart'],
      summary: 'The JSON Schema helm_values are validated against',
      description: 'The project’s schema for the pinned official nats chart (generated from the chart’s values.yaml, refined). POST/PUT validate base + current + new values against it: unknown keys and wrong types answer 400 naming the key, with a suggestion for typos.',
      responses: { 200: { description: 'A JSON Schema (draft-07).', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(404) },
    },
    {
      method: 'get',
      path: '/chart/values-policy',
      operationId: 'getValuesPolicy',
      tags: ['chart'],
      summary: 'Which helm value keys callers may set',
      description: 'The operator’s values policy (VALUES_POLICY_PATH): rules of globs over key paths, evaluated in order; a refused key answers 422 `ValuesPolicy` naming the key and the rule. `templateStrings: deny` refuses any string with `{{` or `$tplYaml`.',
      responses: { 200: { description: 'The policy document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
    {
      method: 'post',
      path: '/backbones',
      operationId: 'createBackbone',
      tags: ['registry'],
      summary: 'Register a backbone',
      description: 'Idempotent for an identical record with the same system_id.',
      request: { body: jsonBody(newBackboneSchema.extend({}).openapi('NewBackbone')) },
      responses: {
        200: json(BackboneResponse, 'The identical record existed already.'),
        201: json(BackboneResponse, 'Registered.'),
        ...errors(400, 401, 403, 409, 413, 415, 500, 503),
      },
    },
    {
      method: 'get',
      path: '/backbones',
      operationId: 'listBackbones',
      tags: ['registry'],
      summary: 'List backbones',
      request: { query: listQuerySchema },
      responses: { 200: json(BackboneList, 'One page of backbones.'), ...errors(...READ_ERRORS) },
    },
    {
      method: 'get',
      path: '/backbones/{id}',
      operationId: 'getBackbone',
      tags: ['registry'],
      summary: 'A backbone',
      request: { params: z.object({ id: z.string().meta({ description: 'system_id of the backbone' }) }) },
      responses: { 200: json(BackboneResponse, 'The backbone.'), ...errors(401, 403, 404, 500, 503) },
    },
    {
      method: 'delete',
      path: '/backbones/{id}',
      operationId: 'deleteBackbone',
      tags: ['registry'],
      summary: 'Deregister a backbone',
      request: { params: z.object({ id: z.string().meta({ description: 'system_id of the backbone' }) }) },
      responses: { 204: { description: 'Deleted.' }, ...errors(401, 403, 404, 500, 503) },
    },
    ...(['encode', 'decode'] as const).map(
      (op): RouteConfig => ({
        method: 'post',
        path: `/codec/${op}`,
        operationId: `codec${op === 'encode' ? 'Encode' : 'Decode'}`,
        tags: ['codec'],
        summary: `Temporal codec server: ${op} payloads`,
        description: 'Called by the Temporal Web UI (CORS) to show encrypted workflow payloads to authorized users.',
        request: { body: jsonBody(CodecPayloads) },
        responses: { 200: json(CodecPayloads, `The ${op}d payloads.`), ...errors(400, 401, 403, 413) },
      }),
    ),
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      tags: ['operations'],
      summary: 'Liveness',
      security: [],
      responses: { 200: json(Health, 'The process is up.') },
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      tags: ['operations'],
      summary: 'Readiness: Temporal and the registry store answer',
      security: [],
      responses: { 200: json(Readiness, 'Ready.'), 503: json(Readiness, 'A dependency is unavailable.') },
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      security: [],
      responses: { 200: { description: 'Prometheus text exposition format.', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } } },
    },
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      tags: ['operations'],
      summary: 'This document',
      security: [],
      responses: { 200: { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  ];
  for (const route of routes) registry.registerPath(route);

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

export const DOCUMENTED_ROUTES: Array<{ method: string; path: string }> = documentedRoutes(buildOpenApiDocument(createSchemas(DEFAULT_KUBECONFIG_POLICY)));

/** GET /openapi.json and the Swagger UI at /docs; mount before authentication (a browser sends no bearer token). */
export function openApiRouter(doc: object): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(doc, { customSiteTitle: 'NATS Exchange Deployer API' }));
  return router;
}
