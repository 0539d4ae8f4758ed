// How a workflow ended, as the API sees it through its client: the cause inside WorkflowFailedError.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

async function failureCause(handle: WorkflowHandle): Promise<unknown> {
  const err = await handle.result().then(
    () => new Error(`workflow ${handle.workflowId} succeeded, a failure was expected`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return (err as WorkflowFailedError).cause;
}

/** The workflow's final ApplicationFailure (what the API maps to an HTTP status). */
export async function applicationFailure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const cause = await failureCause(handle);
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** Expects the workflow to have ended as cancelled, not failed; returns its final status. */
export async function expectCancelled(handle: WorkflowHandle): Promise<void> {
  expect(await failureCause(handle)).toBeInstanceOf(CancelledFailure);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
}
