import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { helmProfile } from './activity-profiles.js';
import { operationFailure, ProgressTracker } from './progress.js';
import { FailureType, Operation, type RollbackExchangeInput, type RollbackExchangeResult } from './shared.js';

/**
 * helm rollback to an earlier revision, under the exchange's own workflow id (one change at a time, like a PUT).
 * The activity holds the revision's values to today's values guard and the immutable StatefulSet fields first;
 * the registry record is not modified.
 */
export async function rollbackExchange(input: RollbackExchangeInput): Promise<RollbackExchangeResult> {
  const progress = new ProgressTracker(Operation.rollback);
  const release = { kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace };
  const { helmRollback } = proxyActivities<Pick<Activities, 'helmRollback'>>({
    ...helmProfile,
    summary: `helm rollback ${input.releaseName} ${input.revision} -n ${input.namespace}`,
  });
  try {
    const rolledBack = await progress.step('helm-rollback', () => helmRollback({ ...release, revision: input.revision }));
    progress.finish('succeeded');
    return { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, revision: rolledBack.revision, restoredRevision: rolledBack.restoredRevision };
  } catch (err) {
    progress.finish('failed');
    if (isCancellation(err)) throw err;
    throw operationFailure(`Helm rollback failed for release '${input.releaseName}'`, err, FailureType.rollbackFailed, 'helm-rollback');
  }
}
