// What the /exchange route modules (exchange-routes.ts, exchange-read-routes.ts, revision-routes.ts) share: the
// request schemas, ownership checks and per-org limits, and the answers, waits and logs of every operation.
import type { Request, Response } from 'express';
import type { ExchangeOperations, OperationFailure, OperationPending, Outcome } from '../temporal/exchange-operations.js';
import { expandDottedKeys } from '../domain/values.js';
import { resolveKubeconfig, type KubeconfigPolicy } from '../domain/kubeconfig.js';
import { isRefusal, resolveValues, type ValuesGuard } from '../domain/values-guard.js';
import type { ImpliedSwitch } from '../domain/chart-rules.js';
import { principalOf } from '../http/access.js';
import { reply } from '../http/documented-router.js';
import { HttpError } from '../http/errors.js';
import { ExchangeAccess, type ExchangeDirectory, type OperationOwner } from './exchange-access.js';
import { OrgLimiter } from './org-limits.js';
import { OperationAccepted } from './responses.js';
import { createSchemas } from './schemas.js';

export interface ExchangeRouteDeps {
  operations: ExchangeOperations;
  directory?: ExchangeDirectory;
  kubeconfigPolicy: KubeconfigPolicy;
  temporalUiUrl: string;
  temporalNamespace: string;
  /** Longest synchronous wait before answering 202; undefined = wait until the workflow ends. */
  syncWaitMs?: number;
  /** The values policy and chart schema every POST/PUT passes before a workflow starts. */
  valuesGuard?: ValuesGuard;
  /** Operations on the worker in flight per org before 429 (0 or unset = no limit; DELETE is never limited). */
  orgMaxOperations?: number;
}

function prefersAsync(req: Request): boolean {
  return /(^|[,;\s])respond-async([,;\s]|$)/i.test(String(req.headers.prefer ?? ''));
}

export function createExchangeKit(deps: ExchangeRouteDeps) {
  const access = new ExchangeAccess(deps.directory, (systemId) => deps.operations.status(systemId));
  const limiter = new OrgLimiter(deps.orgMaxOperations ?? 0, deps.operations.runningFor?.bind(deps.operations));
  const workflowUrl = (workflowId: string) =>
    `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  const statusPath = (systemId: string, runId: string) => `/exchange/${systemId}/operations/${runId}`;
  return {
    operations: deps.operations,
    directory: deps.directory,
    schemas: createSchemas(deps.kubeconfigPolicy),
    access,
    workflowUrl,
    statusPath,
    fail: (res: Response, f: OperationFailure, extra: Record<string, unknown>): void => {
      res.status(f.status).json({ success: false, error: f.error, error_type: f.type, ...extra, workflow_id: f.workflowId, workflow_url: workflowUrl(f.workflowId) });
    },
    /** 202 with the status URL to poll. */
    accepted: (req: Request, res: Response, systemId: string, p: OperationPending, extra: { release_name?: string; namespace?: string }): void => {
      const path = statusPath(systemId, p.runId);
      res.setHeader('Location', path);
      if (prefersAsync(req)) res.setHeader('Preference-Applied', 'respond-async');
      reply(res, 202, OperationAccepted, {
        success: true,
        status: 'running',
        system_id: systemId,
        ...extra,
        operation_id: p.runId,
        status_url: path,
        workflow_id: p.workflowId,
        workflow_url: workflowUrl(p.workflowId),
      });
    },
    runOptions: (req: Request, orgIds?: string[]) => ({ waitMs: prefersAsync(req) ? 0 : deps.syncWaitMs, orgIds }),
    // only the context helm will use travels into the workflow (and, encrypted, into its history)
    minimalKubeconfig: (raw: unknown) => resolveKubeconfig(raw, deps.kubeconfigPolicy).minimal,
    /** 400/422 before anything starts when the operator's policy or the chart's schema refuses the values. */
    checkValues: (raw: Record<string, unknown>, opts: { currentKnown?: boolean } = {}): { values: Record<string, unknown>; implied: ImpliedSwitch[] } => {
      const values = expandDottedKeys(raw);
      if (!deps.valuesGuard) return { values, implied: [] };
      const r = resolveValues(deps.valuesGuard, values, {}, opts);
      if (isRefusal(r)) throw new HttpError(r.status, r.message, { error_type: r.type, details: r.issues.map((i) => ({ field: `helm_values.${i.path}`, ...i })) });
      return r;
    },
    limited: <O extends Pick<Outcome<unknown>, 'ok'> & { settled?: Promise<unknown> }>(res: Response, orgIds: string[], run: () => Promise<O>) => limiter.run(res, orgIds, run),
    /** An operation that started (not one refused as busy) is remembered as the orgs' own, for status reads. */
    remember: <T>(o: Outcome<T>, owner: OperationOwner): void => {
      if (o.runId) access.owners.remember(o.runId, owner);
    },
    logOutcome: <T>(req: Request, res: Response, operation: string, systemId: string, o: Outcome<T>): void => {
      const fields = { operation, system_id: systemId, principal: principalOf(res).name, workflow_id: o.workflowId, workflow_url: workflowUrl(o.workflowId) };
      if (o.ok === true) req.log.info(fields, `${operation} succeeded`);
      else if (o.ok === 'pending') req.log.info(fields, `${operation} accepted, still running`);
      else req.log.warn({ ...fields, error_type: o.type, status: o.status }, `${operation} failed`);
    },
  };
}

export type ExchangeKit = ReturnType<typeof createExchangeKit>;
