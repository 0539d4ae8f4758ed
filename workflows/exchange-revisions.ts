import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { operationFailure } from './progress.js';
import { FailureType, NON_RETRYABLE_ACTIVITY_FAILURES, type ExchangeRevisionsResult, type ReleaseRef } from './shared.js';

const { helmRevisions } = proxyActivities<Pick<Activities, 'helmRevisions'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
});

/**
 * Reads the release's helm revisions from its release records in the cluster, with the caller's kubeconfig (the
 * API never connects to a cluster itself). Like a preview it runs under an id of its own and takes no lock.
 */
export async function exchangeRevisions(input: ReleaseRef & { systemId: string }): Promise<ExchangeRevisionsResult> {
  try {
    const revisions = await helmRevisions({ kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace });
    return { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, revisions };
  } catch (err) {
    throw operationFailure(`Reading the revisions of release '${input.releaseName}' failed`, err, FailureType.revisionsFailed, 'helm-revisions');
  }
}
