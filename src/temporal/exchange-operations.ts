// The API's only way to act: start an exchange workflow under the exchange's id and wait for its outcome.
// The API never runs helm; the outcome is mapped to the seed's response shapes by the routes.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, CancelledFailure, TimeoutFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowResultType } from '@temporalio/client';
import type { Metrics } from '../metrics.js';
import {
  exchangeWorkflowId,
  SearchAttr,
  type DeployExchangeInput,
  type DeployExchangeResult,
  type ExchangeRevisionsResult,
  type PreviewExchangeInput,
  type PreviewExchangeResult,
  type ReleaseRef,
  type ReleaseRevision,
  type RollbackExchangeInput,
  type RollbackExchangeResult,
  type RemoveExchangeInput,
  type RemoveExchangeResult,
  type UpdateExchangeInput,
  type UpdateExchangeResult,
} from '../../workflows/shared.js';
// the workflow functions give start() and result() their types; their modules only define things at load time
import { deployExchange, exchangeRevisions, previewExchange, progressQuery, removeExchange, rollbackExchange, updateExchange } from '../../workflows/index.js';
import { withTimeout } from '../timeout.js';
import { statusForFailure } from '../domain/failures.js';
export { statusForFailure } from '../domain/failures.js';

export interface OperationFailure {
  ok: false;
  /** HTTP status the API should answer with. */
  status: number;
  error: string;
  type: string;
  workflowId: string;
  runId?: string;
}

export interface OperationSuccess<T> {
  ok: true;
  result: T;
  workflowId: string;
  runId: string;
}

/** Started but not finished within the wait the caller allowed: poll the operation. */
export interface OperationPending {
  ok: 'pending';
  workflowId: string;
  runId: string;
  /** Resolves when the workflow has ended, however it ended (per-org limits hold their slot until then). */
  settled?: Promise<void>;
}

export type Outcome<T> = OperationSuccess<T> | OperationFailure | OperationPending;

/** A read-only operation (preview, revisions) is always waited for. */
export type ReadOutcome<T> = OperationSuccess<T> | OperationFailure;

/** The operation of this service that made a revision, found in Temporal's records of the exchange's workflows. */
export interface RevisionOrigin {
  operation: string;
  operation_id: string;
  workflow_id: string;
}

export interface ExchangeRevisions extends Omit<ExchangeRevisionsResult, 'revisions'> {
  revisions: Array<ReleaseRevision & { madeBy: RevisionOrigin | null }>;
}

export interface RunOptions {
  /** How long to wait for the result; 0 = answer as soon as the workflow started. Default: until it ends. */
  waitMs?: number;
}

export type OperationState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

/** One operation (workflow run) on an exchange, as GET /exchange/:id/operations/:operation_id reports it. */
export interface OperationStatus {
  operation_id: string;
  workflow_id: string;
  operation: string;
  status: OperationState;
  step: string | null;
  /** While running: what the step reports, e.g. "2/3 NATS pods ready". */
  detail?: string;
  started_at: string | null;
  closed_at: string | null;
  result?: unknown;
  error?: string;
  error_type?: string;
}

export interface CancelOutcome {
  operation: string;
  workflowId: string;
  runId: string;
  /** How the cancelled operation ended: cancelled (compensated), or it finished before the cancel landed. */
  status: OperationState;
}

export interface ExchangeOperations {
  deploy(input: DeployExchangeInput, opts?: RunOptions): Promise<Outcome<DeployExchangeResult>>;
  update(input: UpdateExchangeInput, opts?: RunOptions): Promise<Outcome<UpdateExchangeResult>>;
  /** Cancels a deploy or update of the exchange that is still running (its compensation runs) first. */
  remove(input: RemoveExchangeInput, opts?: RunOptions): Promise<Outcome<RemoveExchangeResult>>;
  /** Cancels the exchange's running operation and waits for it to end; null when nothing runs. */
  cancel(systemId: string): Promise<CancelOutcome | null>;
  /** An operation by its id (the run id), or the exchange's latest when operationId is omitted; null if none. */
  status(systemId: string, operationId?: string): Promise<OperationStatus | null>;
  /** What a deploy (mode install) or update (mode upgrade) would do; runs beside the exchange's lock, changes nothing. */
  preview(input: PreviewExchangeInput): Promise<ReadOutcome<PreviewExchangeResult>>;
  /** The release's helm revisions (read in the cluster by the worker), each with the operation that made it. */
  revisions(input: ReleaseRef & { systemId: string }): Promise<ReadOutcome<ExchangeRevisions>>;
  /** helm rollback to an earlier revision, under the exchange's lock like update. */
  rollback(input: RollbackExchangeInput, opts?: RunOptions): Promise<Outcome<RollbackExchangeResult>>;
}

const OPERATION_BY_TYPE = { deployExchange: 'deploy', updateExchange: 'update', removeExchange: 'remove', rollbackExchange: 'rollback' } as const;

type ExchangeWorkflow = typeof deployExchange | typeof updateExchange | typeof removeExchange | typeof rollbackExchange;

/** How long the API waits for a preview or a revisions read (the workflow's execution timeout). */
const READ_TIMEOUT = '5 minutes';
/** Clock difference tolerated between the cluster (helm's revision time) and Temporal (the run's start and close). */
const ORIGIN_SLACK_MS = 120_000;

export class TemporalExchangeOperations implements ExchangeOperations {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly metrics?: Pick<Metrics, 'operationsStarted' | 'operationsFinished'>,
  ) {}

  deploy(input: DeployExchangeInput, opts: RunOptions = {}) {
    return this.run(deployExchange, input, opts, {
      summary: `Deploy exchange '${input.name}' (${input.releaseName} in ${input.namespace})`,
      orgIds: input.orgIds,
      clusterId: input.clusterId,
      name: input.name,
    });
  }

  update(input: UpdateExchangeInput, opts: RunOptions = {}) {
    return this.run(updateExchange, input, opts, { summary: `Update exchange ${input.releaseName} in ${input.namespace}` });
  }

  rollback(input: RollbackExchangeInput, opts: RunOptions = {}) {
    return this.run(rollbackExchange, input, opts, { summary: `Roll back exchange ${input.releaseName} in ${input.namespace} to revision ${input.revision}` });
  }

  preview(input: PreviewExchangeInput) {
    const what = input.mode === 'install' ? 'deploy' : 'update';
    return this.read(previewExchange, `preview-${input.systemId}-${randomUUID()}`, input, 'preview', `Preview of the ${what} of ${input.releaseName} in ${input.namespace} (dry run)`);
  }

  async revisions(input: ReleaseRef & { systemId: string }): Promise<ReadOutcome<ExchangeRevisions>> {
    const read = await this.read(exchangeRevisions, `revisions-${input.systemId}-${randomUUID()}`, input, 'revisions', `Revisions of ${input.releaseName} in ${input.namespace}`);
    if (read.ok === false) return read;
    const origins = await this.origins(input.systemId).catch(() => []);
    const revisions = read.result.revisions.map((r) => ({ ...r, madeBy: originOf(r, origins) }));
    return { ...read, result: { ...read.result, revisions } };
  }

  /**
   * The exchange's completed deploys, updates and rollbacks with the revision each made (their results), from
   * Temporal's visibility store by the ExchangeId search attribute. Runs gone from retention are not found.
   */
  private async origins(systemId: string): Promise<Origin[]> {
    const types = Object.keys(OPERATION_BY_TYPE).filter((t) => t !== 'removeExchange');
    const query = `ExchangeId = '${systemId.replace(/'/g, '')}' AND ExecutionStatus = 'Completed' AND (${types.map((t) => `WorkflowType = '${t}'`).join(' OR ')})`;
    const runs = [];
    for await (const w of this.client.workflow.list({ query, pageSize: 100 })) {
      runs.push(w);
      if (runs.length >= 100) break;
    }
    const found = await Promise.all(
      runs.map(async (w): Promise<Origin | undefined> => {
        const result = (await this.client.workflow.getHandle(w.workflowId, w.runId).result().catch(() => undefined)) as { revision?: unknown } | undefined;
        if (typeof result?.revision !== 'number') return undefined;
        const operation = OPERATION_BY_TYPE[w.type as keyof typeof OPERATION_BY_TYPE] ?? w.type;
        return { revision: result.revision, operation, runId: w.runId, workflowId: w.workflowId, start: w.startTime.getTime(), close: (w.closeTime ?? w.startTime).getTime() };
      }),
    );
    return found.filter((o): o is Origin => o !== undefined);
  }

  /** Starts a read-only workflow under its own id (no lock, nothing to conflict with) and waits for it. */
  private async read<W extends typeof previewExchange | typeof exchangeRevisions>(
    workflow: W,
    workflowId: string,
    input: Parameters<W>[0],
    operation: string,
    summary: string,
  ): Promise<ReadOutcome<WorkflowResultType<W>>> {
    const handle = await this.client.workflow.start(workflow, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [input] as Parameters<W>,
      staticSummary: summary,
      memo: { releaseName: input.releaseName, namespace: input.namespace },
      typedSearchAttributes: [
        { key: SearchAttr.exchangeId, value: input.systemId },
        { key: SearchAttr.releaseName, value: input.releaseName },
        { key: SearchAttr.operation, value: operation },
      ],
      workflowExecutionTimeout: READ_TIMEOUT,
    });
    const runId = handle.firstExecutionRunId;
    this.metrics?.operationsStarted.inc({ operation });
    try {
      const result = await handle.result();
      this.metrics?.operationsFinished.inc({ operation, outcome: 'succeeded' });
      return { ok: true, result, workflowId, runId };
    } catch (err) {
      this.metrics?.operationsFinished.inc({ operation, outcome: 'failed' });
      return failureOutcome(err, workflowId, runId);
    }
  }

  async remove(input: RemoveExchangeInput, opts: RunOptions = {}) {
    const ui = { summary: `Remove exchange ${input.releaseName} from ${input.namespace}` };
    const first = await this.run(removeExchange, input, opts, ui);
    if (first.ok !== false || first.type !== 'OperationInProgress') return first;
    // a DELETE wins over a deploy or update in flight: cancel it (its saga undoes what it did), then remove
    const cancelled = await this.cancel(input.systemId);
    if (!cancelled || cancelled.operation === 'remove') return first;
    return this.run(removeExchange, input, opts, ui);
  }

  /** The exchange's workflow run (the latest, or the given one), or null when there is none. */
  private async describe(workflowId: string, runId?: string) {
    try {
      return await this.client.workflow.getHandle(workflowId, runId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async cancel(systemId: string): Promise<CancelOutcome | null> {
    const workflowId = exchangeWorkflowId(systemId);
    const d = await this.describe(workflowId);
    if (!d || d.status.name !== 'RUNNING') return null;
    const operation = OPERATION_BY_TYPE[d.type as keyof typeof OPERATION_BY_TYPE] ?? d.type;
    const run = this.client.workflow.getHandle(workflowId, d.runId);
    // a removal is not cancelled: it only ever converges towards "gone"
    if (operation !== 'remove') await run.cancel();
    await run.result().catch(() => undefined);
    const after = await run.describe();
    return { operation, workflowId, runId: d.runId, status: STATE_BY_STATUS[after.status.name] ?? 'failed' };
  }

  private async run<W extends ExchangeWorkflow>(
    workflow: W,
    input: Parameters<W>[0],
    opts: RunOptions,
    ui: { summary: string; orgIds?: string[]; clusterId?: string; name?: string },
  ): Promise<Outcome<WorkflowResultType<W>>> {
    // the SDK names the workflow type after the function, as the worker registers it
    const workflowType = workflow.name as keyof typeof OPERATION_BY_TYPE;
    const systemId = input.systemId;
    const op = OPERATION_BY_TYPE[workflowType];
    const workflowId = exchangeWorkflowId(systemId);
    let handle;
    try {
      handle = await this.client.workflow.start(workflow, {
        taskQueue: this.taskQueue,
        workflowId,
        // Parameters<W> is a deferred conditional type for a generic W; [input] is exactly it
        args: [input] as Parameters<W>,
        // what the Web UI lists and filters on; never the kubeconfig
        staticSummary: ui.summary,
        memo: { name: ui.name ?? null, releaseName: input.releaseName, namespace: input.namespace },
        typedSearchAttributes: [
          { key: SearchAttr.exchangeId, value: systemId },
          { key: SearchAttr.releaseName, value: input.releaseName },
          { key: SearchAttr.operation, value: OPERATION_BY_TYPE[workflowType] },
          ...(ui.clusterId ? [{ key: SearchAttr.clusterId, value: ui.clusterId }] : []),
          ...(ui.orgIds?.length ? [{ key: SearchAttr.orgIds, value: ui.orgIds }] : []),
        ],
        // one mutation per exchange at a time; a finished one does not block the next
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        this.metrics?.operationsFinished.inc({ operation: op, outcome: 'rejected' });
        const running = await this.client.workflow
          .getHandle(workflowId)
          .describe()
          .then((d) => d.type)
          .catch(() => 'another operation');
        return { ok: false, status: 409, type: 'OperationInProgress', workflowId, error: `Exchange '${systemId}' is busy: ${running} is running (workflow ${workflowId})` };
      }
      throw err;
    }
    const runId = handle.firstExecutionRunId;
    this.metrics?.operationsStarted.inc({ operation: op });
    const result = handle.result().then(
      (value) => {
        this.metrics?.operationsFinished.inc({ operation: op, outcome: 'succeeded' });
        return { ok: true as const, result: value, workflowId, runId };
      },
      (err: unknown) => {
        this.metrics?.operationsFinished.inc({ operation: op, outcome: 'failed' });
        return failureOutcome(err, workflowId, runId);
      },
    );
    // handles a rejection too, so an outcome nobody waits for never becomes an unhandled rejection
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    if (opts.waitMs === 0) return { ok: 'pending', workflowId, runId, settled };
    if (opts.waitMs === undefined) return result;
    let timer: NodeJS.Timeout | undefined;
    const pending = new Promise<OperationPending>((ok) => {
      timer = setTimeout(() => ok({ ok: 'pending', workflowId, runId, settled }), opts.waitMs);
    });
    try {
      return await Promise.race([result, pending]);
    } finally {
      clearTimeout(timer);
    }
  }

  async status(systemId: string, operationId?: string): Promise<OperationStatus | null> {
    const workflowId = exchangeWorkflowId(systemId);
    const d = await this.describe(workflowId, operationId);
    if (!d) return null;
    const base: OperationStatus = {
      operation_id: d.runId,
      workflow_id: workflowId,
      operation: OPERATION_BY_TYPE[d.type as keyof typeof OPERATION_BY_TYPE] ?? d.type,
      status: STATE_BY_STATUS[d.status.name] ?? 'failed',
      step: null,
      started_at: d.startTime.toISOString(),
      closed_at: d.closeTime ? d.closeTime.toISOString() : null,
    };
    const runHandle = this.client.workflow.getHandle(workflowId, d.runId);
    if (base.status === 'running') {
      // a query needs a live worker: do not let a stopped worker hang a status request
      const progress = await withTimeout(runHandle.query(progressQuery), 3000).catch(() => undefined);
      return { ...base, step: progress?.step ?? null, detail: progress?.detail ?? undefined, error: progress?.lastError ?? undefined };
    }
    if (base.status === 'succeeded') return { ...base, step: 'done', result: await runHandle.result() };
    const failed = await runHandle.result().then(
      () => undefined,
      (err: unknown) => failureOutcome(err, workflowId, d.runId),
    );
    const detailStep = failed && 'step' in failed ? failed.step : null;
    return { ...base, step: detailStep ?? null, error: failed?.error, error_type: failed?.type };
  }
}

const STATE_BY_STATUS: Record<string, OperationState> = {
  RUNNING: 'running',
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'running',
};

/** The workflow's final failure as the API reports it: status, type, message and the step it failed at. */
function failureOutcome(err: unknown, workflowId: string, runId: string): OperationFailure & { step?: string } {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const details = (cause.details?.[0] ?? {}) as { causeType?: string | null; step?: string };
      return {
        ok: false,
        status: statusForFailure(cause.type ?? undefined, details.causeType ?? undefined),
        type: cause.type ?? 'Error',
        error: cause.message,
        workflowId,
        runId,
        step: details.step,
      };
    }
    if (cause instanceof TimeoutFailure) {
      return { ok: false, status: 504, type: 'Timeout', error: `The operation did not finish in time (${cause.timeoutType ?? 'timeout'})`, workflowId, runId };
    }
    if (cause instanceof CancelledFailure) {
      // a DELETE or POST …/cancel stopped it; its saga undid what it had done
      return { ok: false, status: 409, type: 'OperationCancelled', error: `The operation was cancelled (by a DELETE or a cancel request) and undone`, workflowId, runId };
    }
    return { ok: false, status: 500, type: cause?.name ?? 'WorkflowFailed', error: cause?.message ?? err.message, workflowId, runId };
  }
  throw err;
}

interface Origin {
  revision: number;
  operation: string;
  runId: string;
  workflowId: string;
  start: number;
  close: number;
}

/**
 * Pure: the run that made a revision: same revision number, and the revision's time within the run (give or take
 * the clock slack); the latest such run, since a release deleted and deployed again numbers its revisions anew.
 */
export function originOf(r: { revision: number; time: string | null }, origins: readonly Origin[]): RevisionOrigin | null {
  const at = r.time ? Date.parse(r.time) : NaN;
  const match = origins
    .filter((o) => o.revision === r.revision && (Number.isNaN(at) || (o.start - ORIGIN_SLACK_MS <= at && at <= o.close + ORIGIN_SLACK_MS)))
    .sort((a, b) => b.start - a.start)[0];
  return match ? { operation: match.operation, operation_id: match.runId, workflow_id: match.workflowId } : null;
}
