// The read side of /exchange (the list, one exchange, one operation) and the cancel of a running operation,
// declared on the router exchange-routes.ts builds, with the same ownership checks.
import { z } from 'zod';
import { CAN, principalOf, requireRole } from '../http/access.js';
import { clusterFingerprint } from './cluster-fingerprint.js';
import { errors, json, MUTATION_ERRORS, READ_ERRORS, reply, type DocumentedRouter } from '../http/documented-router.js';
import { HttpError } from '../http/errors.js';
import { notFound } from './exchange-access.js';
import type { ExchangeKit } from './exchange-kit.js';
import { Backbone, BackboneList, uuid } from './responses.js';
import { parsePart } from './validate.js';

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

const ExchangeDetail = z
  .object({
    success: z.literal(true),
    system_id: uuid,
    // unions, not .nullable(): a nullable $ref comes out as allOf [ref, {type: [object, null]}], which null fails
    exchange: z.union([Backbone, z.null()]).meta({ description: 'The registry record; null while the exchange is not (or no longer) registered.' }),
    latest_operation: z.union([OperationStatus.extend({ status_url: z.string() }).openapi('LatestOperation'), z.null()]),
  })
  .openapi('ExchangeDetail');

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

export function declareReadRoutes(router: DocumentedRouter, kit: ExchangeKit): void {
  const { schemas, access, operations, directory, workflowUrl } = kit;

  // cancels the exchange's running deploy or update (its saga undoes what it did) without deleting anything else
  router.post(
    '/:system_id/cancel',
    {
      operationId: 'cancelOperation',
      summary: 'Cancel the running deploy or update',
      description: 'Cancels the exchange’s running operation and waits until it ended: a deploy’s saga uninstalls what it installed. Nothing else is removed. Body as for DELETE (the same ownership checks).',
      request: { params: schemas.cancelOperation.params, body: { name: 'CancelOperationRequest', schema: schemas.cancelOperation.body } },
      responses: { 200: json(CancelResponse, 'Cancelled (or it ended first: see status).'), ...errors(...MUTATION_ERRORS) },
    },
    requireRole(CAN.mutateExchanges),
    async (req, res) => {
      const { system_id } = parsePart(schemas.cancelOperation.params, req, 'params');
      const body = parsePart(schemas.cancelOperation.body, req, 'body');
      const target = { releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: clusterFingerprint(kit.minimalKubeconfig(body.kubeconfig)) };
      await access.forChange(principalOf(res), system_id, target, { runningDeploy: true });
      const c = await operations.cancel(system_id);
      if (!c) throw new HttpError(409, `Nothing is running on exchange '${system_id}'`, { error_type: 'NothingToCancel', system_id });
      req.log.info({ system_id, principal: principalOf(res).name, cancelled: c.operation, status: c.status }, 'operation cancelled');
      reply(res, 200, CancelResponse, { success: true, system_id, cancelled_operation: c.operation, status: c.status, operation_id: c.runId, workflow_id: c.workflowId, workflow_url: workflowUrl(c.workflowId) });
    },
  );

  router.get(
    '/',
    {
      operationId: 'listExchanges',
      summary: 'List exchanges',
      request: { query: schemas.listExchanges.query },
      responses: { 200: json(BackboneList, 'One page of exchanges.'), ...errors(...READ_ERRORS, 501) },
    },
    requireRole(CAN.readExchanges),
    async (req, res) => {
      const q = parsePart(schemas.listExchanges.query, req, 'query');
      if (!directory) throw new HttpError(501, 'No registry is configured to list exchanges from');
      const { limit, cursor, ...filter } = q;
      const page = await directory.list(access.listFilter(principalOf(res), filter), { limit, cursor });
      reply(res, 200, BackboneList, { success: true, items: page.items, next_cursor: page.next_cursor });
    },
  );

  router.get(
    '/:system_id',
    {
      operationId: 'getExchange',
      summary: 'An exchange and its latest operation',
      request: { params: schemas.getExchange.params },
      responses: { 200: json(ExchangeDetail, 'The exchange.'), ...errors(...READ_ERRORS, 404) },
    },
    requireRole(CAN.readExchanges),
    async (req, res) => {
      const { system_id } = parsePart(schemas.getExchange.params, req, 'params');
      const principal = principalOf(res);
      const [{ record, hidden }, found] = await Promise.all([access.visibleRecord(principal, system_id), operations.status(system_id)]);
      if (hidden) throw notFound(system_id);
      const latest = found && access.mayReadOperation(principal, record, found.operation_id) ? found : null;
      if (!record && !latest) throw notFound(system_id);
      reply(res, 200, ExchangeDetail, {
        success: true,
        system_id,
        exchange: record,
        latest_operation: latest ? { ...latest, status_url: kit.statusPath(system_id, latest.operation_id), workflow_url: workflowUrl(latest.workflow_id) } : null,
      });
    },
  );

  router.get(
    '/:system_id/operations/:operation_id',
    {
      operationId: 'getOperation',
      summary: 'The state of one operation',
      request: { params: schemas.getOperation.params },
      responses: { 200: json(OperationStatusResponse, 'The operation.'), ...errors(...READ_ERRORS, 404) },
    },
    requireRole(CAN.readExchanges),
    async (req, res) => {
      const { system_id, operation_id } = parsePart(schemas.getOperation.params, req, 'params');
      const principal = principalOf(res);
      const { record, hidden } = await access.visibleRecord(principal, system_id);
      const op = hidden ? null : await operations.status(system_id, operation_id);
      if (!op || !access.mayReadOperation(principal, record, op.operation_id)) throw new HttpError(404, `No operation '${operation_id}' on exchange '${system_id}'`);
      reply(res, 200, OperationStatusResponse, { success: true, system_id, ...op, workflow_url: workflowUrl(op.workflow_id) });
    },
  );
}
