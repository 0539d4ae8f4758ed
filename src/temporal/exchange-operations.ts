// The API's only way to act: start an exchange workflow under the exchange's id and wait for its outcome.
// The API never runs helm; the outcome is mapped to the seed's response shapes by the routes.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowNotFoundError, type Client, type WorkflowResultType } from '@temporalio/client';
import type { Metrics } from '../metrics.js';
import {
  exchangeWorkflowId,
  SearchAttr,
  type DeployExchangeInput,
  type PreviewExchangeInput,
  type ReleaseRef,
  type RollbackExchangeInput,
  type RemoveExchangeInput,
  type UpdateExchangeInput,
} from '../../workflows/shared.js';
// the workflow functions give start() and result() their types; their modules only define things at load time
import { deployExchange, exchangeRevisions, previewExchange, progressQuery, removeExchange, rollbackExchange, updateExchange } from '../../workflows/index.js';
import { withTimeout } from '../timeout.js';
import { failureOutcome, OPERATION_BY_TYPE, STATE_BY_STATUS } from './operation-outcomes.js';
import type { CancelOutcome, ExchangeOperations, ExchangeRevisions, OperationPending, OperationStatus, Outcome, ReadOutcome, RunOptions } from './operation-types.js';
import { originOf, revisionOrigins } from './revision-origins.js';
export { statusForFailure } from './failure-status.js';
export type * from './operation-types.js';
export { originOf } from './revision-origins.js';

type ExchangeWorkflow = typeof deployExchange | typeof updateExchange | typeof removeExchange | typeof rollbackExchange;

/** How long the API waits for a preview or a revisions read (the workflow's execution timeout). */
const READ_TIMEOUT = '5 minutes';

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
    return this.run(updateExchange, input, opts, { summary: `Update exchange ${input.releaseName} in ${input.namespace}`, orgIds: opts.orgIds });
  }

  rollback(input: RollbackExchangeInput, opts: RunOptions = {}) {
    return this.run(rollbackExchange, input, opts, { summary: `Roll back exchange ${input.releaseName} in ${input.namespace} to revision ${input.revision}`, orgIds: opts.orgIds });
  }

  preview(input: PreviewExchangeInput, orgIds?: string[]) {
    const what = input.mode === 'install' ? 'deploy' : 'update';
    return this.read(previewExchange, `preview-${input.systemId}-${randomUUID()}`, input, 'preview', `Preview of the ${what} of ${input.releaseName} in ${input.namespace} (dry run)`, orgIds);
  }

  /** Running workflows of the org (every operation kind counts: they all take worker slots). */
  async runningFor(org: string): Promise<number> {
    const query = `ExecutionStatus = "Running" AND OrgIds = ${JSON.stringify(org)}`;
    return (await this.client.workflow.count(query)).count;
  }

  async revisions(input: ReleaseRef & { systemId: string }, orgIds?: string[]): Promise<ReadOutcome<ExchangeRevisions>> {
    const read = await this.read(exchangeRevisions, `revisions-${input.systemId}-${randomUUID()}`, input, 'revisions', `Revisions of ${input.releaseName} in ${input.namespace}`, orgIds);
    if (read.ok === false) return read;
    const origins = await revisionOrigins(this.client, input.systemId).catch(() => []);
    const revisions = read.result.revisions.map((r) => ({ ...r, madeBy: originOf(r, origins) }));
    return { ...read, result: { ...read.result, revisions } };
  }

  /** Starts a read-only workflow under its own id (no lock, nothing to conflict with) and waits for it. */
  private async read<W extends typeof previewExchange | typeof exchangeRevisions>(
    workflow: W,
    workflowId: string,
    input: Parameters<W>[0],
    operation: string,
    summary: string,
    orgIds?: string[],
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
        ...(orgIds?.length ? [{ key: SearchAttr.orgIds, value: orgIds }] : []),
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
    const ui = { summary: `Remove exchange ${input.releaseName} from ${input.namespace}`, orgIds: opts.orgIds };
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
