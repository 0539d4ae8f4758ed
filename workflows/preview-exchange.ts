import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { operationFailure } from './progress.js';
import { FailureType, NON_RETRYABLE_ACTIVITY_FAILURES, type PreviewExchangeInput, type PreviewExchangeResult } from './shared.js';

// A preview changes nothing and its caller waits for it: a few short attempts, never the deploy's long retries.
const { helmPreview } = proxyActivities<Pick<Activities, 'helmPreview'>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
});

/**
 * What a POST or PUT with these values would do, without doing it: one activity (helm's server dry run, the API
 * server's dry-run apply of each object, the difference to the deployed revision). It runs under a workflow id
 * of its own (`preview-<system_id>-<random>`), not the exchange's, so it neither waits for nor blocks a change.
 */
export async function previewExchange(input: PreviewExchangeInput): Promise<PreviewExchangeResult> {
  try {
    return await helmPreview(input);
  } catch (err) {
    throw operationFailure(`Preview failed for release '${input.releaseName}'`, err, FailureType.previewFailed, 'helm-preview');
  }
}
