// Knowing the chart before and after a change: previews (POST/PUT /exchange?dry_run=true, answered here for
// exchange-routes.ts), the release's revisions (POST /exchange/:id/revisions/query) and rollback to one of them
// (POST /exchange/:id/rollback). All of them need the cluster, so the worker does the work with the caller's
// kubeconfig (sent in the body like a DELETE, never in a header or a URL); the API holds each request to the same
// roles and ownership checks as PUT.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { PreviewExchangeInput } from '../../workflows/shared.js';
import { CAN, principalOf, requireRole } from '../http/access.js';
import { clusterFingerprint } from './cluster-fingerprint.js';
import { errors, json, MUTATION_ERRORS, reply, type DocumentedRouter } from '../http/documented-router.js';
import type { ExchangeKit } from './exchange-kit.js';
import { redactCredentials } from './redact.js';
import { accepted, impliedAnswer, impliedFields, preferHeader, uuid, workflowFields } from './responses.js';
import type { ImpliedSwitch } from '../domain/chart-rules.js';
import { parsePart } from './validate.js';

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

/** The answer to POST/PUT /exchange?dry_run=true. */
export const PreviewResponse = z
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
    ...impliedFields,
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

/** Declares revisions/query and rollback on the /exchange router; returns the preview POST and PUT answer with. */
export function declareRevisionRoutes(router: DocumentedRouter, kit: ExchangeKit) {
  const { schemas, access, operations } = kit;

  /** Answers a dry run of POST (mode install) or PUT (mode upgrade); the caller has passed the route's own checks. */
  async function preview(req: Request, res: Response, input: PreviewExchangeInput, orgIds: string[], implied: ImpliedSwitch[] = []): Promise<void> {
    const outcome = await kit.limited(res, orgIds, () => operations.preview(input, orgIds));
    kit.logOutcome(req, res, 'preview', input.systemId, outcome);
    const ids = { system_id: input.systemId, release_name: input.releaseName, namespace: input.namespace };
    if (outcome.ok === false) return kit.fail(res, outcome, { ...ids, dry_run: true });
    const r = outcome.result;
    const what = input.mode === 'install' ? 'deploy' : 'update';
    reply(res, 200, PreviewResponse, {
      success: true,
      dry_run: true,
      ...ids,
      applicable: r.refused.length === 0,
      message: r.refused.length
        ? `Dry run, nothing was changed: the ${what} would be refused (${r.refused.map((o) => `${o.kind} ${o.name}`).join(', ')})`
        : `Dry run, nothing was changed: the ${what} would apply ${r.objects.length} object(s)`,
      chart_version: r.chartVersion,
      // the values helm would get; credentials (token, password, …) are not repeated back
      values: redactCredentials(r.values).value as Record<string, unknown>,
      objects: r.objects,
      refused: r.refused,
      unchecked: r.unchecked,
      ...(r.diff && r.baseRevision !== undefined ? { diff: { base_revision: r.baseRevision, ...r.diff } } : {}),
      ...impliedAnswer([...implied, ...(r.implied ?? [])]),
      operation_id: outcome.runId,
      workflow_id: outcome.workflowId,
      workflow_url: kit.workflowUrl(outcome.workflowId),
    });
  }

  router.post(
    '/:system_id/revisions/query',
    {
      operationId: 'queryRevisions',
      summary: 'The release’s helm revisions',
      description:
        'Reads helm’s release records in the cluster (the worker does, with the kubeconfig of the body — a POST because the credentials must ' +
        'not travel in a URL or header). Changes nothing and takes no lock. Body as for DELETE (the same ownership checks); role deployer or viewer.',
      request: { params: schemas.queryRevisions.params, body: { name: 'QueryRevisionsRequest', schema: schemas.queryRevisions.body } },
      responses: { 200: json(RevisionsResponse, 'The revisions, oldest first.'), ...errors(...MUTATION_ERRORS) },
    },
    requireRole(CAN.readExchanges),
    async (req, res) => {
      const { system_id } = parsePart(schemas.queryRevisions.params, req, 'params');
      const body = parsePart(schemas.queryRevisions.body, req, 'body');
      const kubeconfig = kit.minimalKubeconfig(body.kubeconfig);
      const owner = await access.forChange(principalOf(res), system_id, { releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: clusterFingerprint(kubeconfig) });
      const outcome = await kit.limited(res, owner.orgIds, () =>
        operations.revisions({ systemId: system_id, kubeconfig, releaseName: body.release_name, namespace: body.namespace }, owner.orgIds),
      );
      kit.logOutcome(req, res, 'revisions', system_id, outcome);
      if (outcome.ok === false) return kit.fail(res, outcome, { system_id, release_name: body.release_name });
      reply(res, 200, RevisionsResponse, {
        success: true,
        system_id,
        release_name: body.release_name,
        namespace: body.namespace,
        revisions: outcome.result.revisions.map((r) => ({
          revision: r.revision,
          status: r.status,
          chart_version: r.chartVersion,
          app_version: r.appVersion,
          updated_at: r.time,
          description: r.description,
          values_digest: r.valuesDigest,
          made_by: r.madeBy ? { ...r.madeBy, workflow_url: kit.workflowUrl(r.madeBy.workflow_id) } : null,
        })),
      });
    },
  );

  router.post(
    '/:system_id/rollback',
    {
      operationId: 'rollbackExchange',
      summary: 'Roll an exchange back to an earlier revision',
      description:
        'helm rollback to `revision` (waiting for readiness like a PUT), under the exchange’s lock (409 while another operation runs). ' +
        'Refused before helm runs (error_type RollbackFailed, the message naming the cause) when the revision’s values fail today’s values policy (422) ' +
        'or schema (400), or would change an immutable StatefulSet field of the deployed release (422); 404 when helm no longer keeps the revision.',
      request: { params: schemas.rollbackExchange.params, headers: preferHeader, body: { name: 'RollbackExchangeRequest', schema: schemas.rollbackExchange.body } },
      responses: { 200: json(RollbackResponse, 'Rolled back.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    requireRole(CAN.mutateExchanges),
    async (req, res) => {
      const { system_id } = parsePart(schemas.rollbackExchange.params, req, 'params');
      const body = parsePart(schemas.rollbackExchange.body, req, 'body');
      const kubeconfig = kit.minimalKubeconfig(body.kubeconfig);
      const owner = await access.forChange(principalOf(res), system_id, {
        releaseName: body.release_name,
        namespace: body.namespace,
        clusterFingerprint: clusterFingerprint(kubeconfig),
      });
      const outcome = await kit.limited(res, owner.orgIds, () =>
        operations.rollback(
          { systemId: system_id, kubeconfig, releaseName: body.release_name, namespace: body.namespace, revision: body.revision },
          kit.runOptions(req, owner.orgIds),
        ),
      );
      kit.remember(outcome, owner);
      kit.logOutcome(req, res, 'rollback', system_id, outcome);
      if (outcome.ok === 'pending') return kit.accepted(req, res, system_id, outcome, { release_name: body.release_name });
      if (outcome.ok === false) return kit.fail(res, outcome, { system_id, release_name: body.release_name });
      reply(res, 200, RollbackResponse, {
        success: true,
        message: `Exchange '${body.release_name}' rolled back to revision ${body.revision}`,
        system_id,
        revision: outcome.result.revision,
        restored_revision: outcome.result.restoredRevision,
        operation_id: outcome.runId,
        workflow_id: outcome.workflowId,
        workflow_url: kit.workflowUrl(outcome.workflowId),
      });
    },
  );

  return { preview };
}
