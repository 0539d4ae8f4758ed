// Activity option profiles: helm calls are long, heartbeat and can be cancelled; registry calls are short and
// retried; compensations try harder because a failed undo leaves a release nobody owns.
import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { NON_RETRYABLE_ACTIVITY_FAILURES } from './shared.js';

const helmProfile: ActivityOptions = {
  // helm's own --timeout (default 300 s) bounds the run; this adds room for chart download and cleanup
  startToCloseTimeout: '15 minutes',
  // cancellation reaches an activity with a heartbeat reply; the SDK throttles heartbeats to 80% of this
  heartbeatTimeout: '10 seconds',
  // a cancelled helm must have exited (and released the release lock) before compensation runs helm again
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
};

const registryProfile: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
};

const compensationProfile: ActivityOptions = {
  ...helmProfile,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
};

/** The same activities with a one-line summary the Web UI shows on the activity's row. */
export function withSummary(summary: string) {
  return {
    helm: proxyActivities<Pick<Activities, 'helmReleaseStatus' | 'helmUpgradeInstall' | 'helmUpgrade' | 'helmUninstall'>>({ ...helmProfile, summary }),
    registry: proxyActivities<Pick<Activities, 'registerBackbone' | 'deregisterBackbone' | 'derivePublicUrl'>>({ ...registryProfile, summary }),
    compensation: proxyActivities<Pick<Activities, 'helmUninstall'>>({ ...compensationProfile, summary }),
  };
}
