// The API's only way to act: start an exchange workflow under the exchange's id and wait for its outcome.
// The API never runs helm; the outcome is mapped to the seed's response shapes by the routes.
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import {
  exchangeWorkflowId,
  FailureType,
  SearchAttr,
  type DeployExchangeInput,
  type DeployExchangeResult,
  type RemoveExchangeInput,
  type RemoveExchangeResult,
  type UpdateExchangeInput,
  type UpdateExchangeResult,
} from '../../workflows/shared.js';

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

export type Outcome<T> = OperationSuccess<T> | OperationFailure;

export interface ExchangeOperations {
  deploy(input: DeployExchangeInput): Promise<Outcome<DeployExchangeResult>>;
  update(input: UpdateExchangeInput): Promise<Outcome<UpdateExchangeResult>>;
  remove(input: RemoveExchangeInput): Promise<Outcome<RemoveExchangeResult>>;
}

const OPERATION_BY_TYPE = { deployExchange: 'deploy', updateExchange: 'update', removeExchange: 'remove' } as const;

const STATUS_BY_TYPE: Record<string, number> = {
  [FailureType.releaseAlreadyExists]: 409,
  [FailureType.registryConflict]: 409,
  [FailureType.releaseNotFound]: 404,
  [FailureType.invalidKubeconfig]: 400,
  [FailureType.invalidValues]: 400,
  [FailureType.helmRejected]: 422,
  [FailureType.helmUnauthorized]: 502,
  [FailureType.helmUnavailable]: 502,
  [FailureType.releaseLocked]: 409,
  [FailureType.registrationFailed]: 502,
  [FailureType.registryUnavailable]: 502,
  [FailureType.registryRejected]: 502,
};

/** Pure: the HTTP status for a workflow's final ApplicationFailure (its own type, then the cause it names). */
export function statusForFailure(type: string | undefined, causeType: string | undefined): number {
  if (type === FailureType.registrationFailed) return 502;
  return (causeType && STATUS_BY_TYPE[causeType]) || (type && STATUS_BY_TYPE[type]) || 500;
}

export class TemporalExchangeOperations implements ExchangeOperations {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  deploy(input: DeployExchangeInput) {
    return this.run<DeployExchangeResult>('deployExchange', input, {
      summary: `Deploy exchange '${input.name}' (${input.releaseName} in ${input.namespace})`,
      orgIds: input.orgIds,
      clusterId: input.clusterId,
      name: input.name,
    });
  }

  update(input: UpdateExchangeInput) {
    return this.run<UpdateExchangeResult>('updateExchange', input, { summary: `Update exchange ${input.releaseName} in ${input.namespace}` });
  }

  remove(input: RemoveExchangeInput) {
    return this.run<RemoveExchangeResult>('removeExchange', input, { summary: `Remove exchange ${input.releaseName} from ${input.namespace}` });
  }

  private async run<T>(
    workflowType: keyof typeof OPERATION_BY_TYPE,
    input: { systemId: string; releaseName: string; namespace: string },
    ui: { summary: string; orgIds?: string[]; clusterId?: string; name?: string },
  ): Promise<Outcome<T>> {
    const systemId = input.systemId;
    const workflowId = exchangeWorkflowId(systemId);
    let handle;
    try {
      handle = await this.client.workflow.start(workflowType, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
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
        const running = await this.client.workflow
          .getHandle(workflowId)
          .describe()
          .then((d) => d.type)
          .catch(() => 'another operation');
        return { ok: false, status: 409, type: 'OperationInProgress', workflowId, error: `Exchange '${systemId}' is busy: ${running} is running (workflow ${workflowId})` };
      }
      throw err;
    }
    try {
      const result = (await handle.result()) as T;
      return { ok: true, result, workflowId, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const cause = err.cause;
        if (cause instanceof ApplicationFailure) {
          const details = (cause.details?.[0] ?? {}) as { causeType?: string | null };
          return {
            ok: false,
            status: statusForFailure(cause.type ?? undefined, details.causeType ?? undefined),
            type: cause.type ?? 'Error',
            error: cause.message,
            workflowId,
            runId: handle.firstExecutionRunId,
          };
        }
        return { ok: false, status: 500, type: cause?.name ?? 'WorkflowFailed', error: cause?.message ?? err.message, workflowId, runId: handle.firstExecutionRunId };
      }
      throw err;
    }
  }
}
