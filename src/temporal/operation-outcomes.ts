// A finished workflow as the API reports it: the run's state, and its final failure as status, type, message and
// the step it failed at (the failure taxonomy's HTTP mapping is failure-status.ts).
import { ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { statusForFailure } from './failure-status.js';
import type { OperationFailure, OperationState } from './operation-types.js';

/** The operation each mutating workflow type stands for. */
export const OPERATION_BY_TYPE = { deployExchange: 'deploy', updateExchange: 'update', removeExchange: 'remove', rollbackExchange: 'rollback' } as const;

export const STATE_BY_STATUS: Record<string, OperationState> = {
  RUNNING: 'running',
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'running',
};

/** The workflow's final failure as the API reports it: status, type, message and the step it failed at. */
export function failureOutcome(err: unknown, workflowId: string, runId: string): OperationFailure & { step?: string } {
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
