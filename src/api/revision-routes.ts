// Knowing the chart before and after a change: previews (POST/PUT /exchange?dry_run=true, answered here for
// exchange-routes.ts), the release's revisions (POST /exchange/:id/revisions/query) and rollback to one of them
// (POST /exchange/:id/rollback). All of them need the cluster, so the worker does the work with the caller's
// kubeconfig (sent in the body like a DELETE, never in a header or a URL); the API holds each request to the same
// roles and ownership checks as PUT.
import { Router, type Request, type Response } from 'express';
import type { ExchangeOperations, OperationFailure, OperationPending, Outcome, RunOptions } from '../temporal/exchange-operations.js';
import type { Kubeconfig, PreviewExchangeInput } from '../../workflows/shared.js';
import { CAN, principalOf, requireRole } from './access.js';
import { clusterFingerprint } from './cluster-fingerprint.js';
import type { ExchangeAccess, OperationOwner } from './exchange-access.js';
import { redactCredentials } from './redact.js';
import type { Schemas } from './schemas.js';
import { parsePart } from './validate.js';

/** What exchange-routes.ts shares with these routes: the same answers, waits, logs and access checks. */
export interface RevisionRouteKit {
  operations: ExchangeOperations;
  schemas: Schemas;
  access: ExchangeAccess;
  workflowUrl(workflowId: string): string;
  fail(res: Response, f: OperationFailure, extra: Record<string, unknown>): void;
  accepted(req: Request, res: Response, systemId: string, p: OperationPending, extra: Record<string, unknown>): void;
  runOptions(req: Request): RunOptions;
  minimalKubeconfig(raw: unknown): Kubeconfig;
  remember<T>(o: Outcome<T>, owner: OperationOwner): void;
  logOutcome<T>(req: Request, res: Response, operation: string, systemId: string, o: Outcome<T>): void;
}

export function createRevisionRoutes(kit: RevisionRouteKit) {
  const { schemas, access, operations } = kit;
  const router = Router();

  /** Answers a dry run of POST (mode install) or PUT (mode upgrade); the caller has passed the route's own checks. */
  async function preview(req: Request, res: Response, input: PreviewExchangeInput): Promise<void> {
    const outcome = await operations.preview(input);
    kit.logOutcome(req, res, 'preview', input.systemId, outcome);
    const ids = { system_id: input.systemId, release_name: input.releaseName, namespace: input.namespace };
    if (outcome.ok === false) return kit.fail(res, outcome, { ...ids, dry_run: true });
    const r = outcome.result;
    const what = input.mode === 'install' ? 'deploy' : 'update';
    res.status(200).json({
      success: true,
      dry_run: true,
      ...ids,
      applicable: r.refused.length === 0,
      message: r.refused.length
        ? `Dry run, nothing was changed: the ${what} would be refused (${r.refused.map((o) => `${o.kind} ${o.name}`).join(', ')})`
        : `Dry run, nothing was changed: the ${what} would apply ${r.objects.length} object(s)`,
      chart_version: r.chartVersion,
      // the values helm would get; credentials (token, password, …) are not repeated back
      values: redactCredentials(r.values).value,
      objects: r.objects,
      refused: r.refused,
      unchecked: r.unchecked,
      ...(r.diff ? { diff: { base_revision: r.baseRevision, ...r.diff } } : {}),
      operation_id: outcome.runId,
      workflow_id: outcome.workflowId,
      workflow_url: kit.workflowUrl(outcome.workflowId),
    });
  }

  router.post('/:system_id/revisions/query', requireRole(CAN.readExchanges), async (req, res) => {
    const { system_id } = parsePart(schemas.queryRevisions.params, req, 'params');
    const body = parsePart(schemas.queryRevisions.body, req, 'body');
    const kubeconfig = kit.minimalKubeconfig(body.kubeconfig);
    await access.forChange(principalOf(res), system_id, { releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: clusterFingerprint(kubeconfig) });
    const outcome = await operations.revisions({ systemId: system_id, kubeconfig, releaseName: body.release_name, namespace: body.namespace });
    kit.logOutcome(req, res, 'revisions', system_id, outcome);
    if (outcome.ok === false) return kit.fail(res, outcome, { system_id, release_name: body.release_name });
    res.json({
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
  });

  router.post('/:system_id/rollback', requireRole(CAN.mutateExchanges), async (req, res) => {
    const { system_id } = parsePart(schemas.rollbackExchange.params, req, 'params');
    const body = parsePart(schemas.rollbackExchange.body, req, 'body');
    const kubeconfig = kit.minimalKubeconfig(body.kubeconfig);
    const owner = await access.forChange(principalOf(res), system_id, {
      releaseName: body.release_name,
      namespace: body.namespace,
      clusterFingerprint: clusterFingerprint(kubeconfig),
    });
    const outcome = await operations.rollback(
      { systemId: system_id, kubeconfig, releaseName: body.release_name, namespace: body.namespace, revision: body.revision },
      kit.runOptions(req),
    );
    kit.remember(outcome, owner);
    kit.logOutcome(req, res, 'rollback', system_id, outcome);
    if (outcome.ok === 'pending') return kit.accepted(req, res, system_id, outcome, { release_name: body.release_name });
    if (outcome.ok === false) return kit.fail(res, outcome, { system_id, release_name: body.release_name });
    res.status(200).json({
      success: true,
      message: `Exchange '${body.release_name}' rolled back to revision ${body.revision}`,
      system_id,
      revision: outcome.result.revision,
      restored_revision: outcome.result.restoredRevision,
      operation_id: outcome.runId,
      workflow_id: outcome.workflowId,
      workflow_url: kit.workflowUrl(outcome.workflowId),
    });
  });

  return { router, preview };
}
