// Activity option profiles: helm calls are long, heartbeat and can be cancelled; registry calls are short and
// retried; compensations try harder because a failed undo leaves a release nobody owns.
import { ActivityCancellationType, proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { NON_RETRYABLE_ACTIVITY_FAILURES } from './shared.js';

export const helmProfile: ActivityOptions = {
  // helm's own --timeout (default 300 s) bounds the run; this adds room for chart download and cleanup
  startToCloseTimeout: '15 minutes',
  // cancellation reaches an activity with a heartbeat reply; the SDK throttles heartbeats to 80% of this
  heartbeatTimeout: '10 seconds',
  // a cancelled helm must have exited (and released the release lock) before compensation runs helm again
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  // an unreachable cluster is retried for about 5 minutes (2+4+8+16+32 s, then every minute) before giving up
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
};

// One retry owner: the registry client makes one HTTP call per attempt and Temporal retries. The worker's retry
// window (REGISTRY_RETRY_WINDOW_SECONDS, default 10 min) turns the failure final; the schedule-to-close timeout
// is only a backstop should a worker be configured without one.
const registryProfile: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
};

// The registration of a deploy, first tried once as a local activity: it runs in the worker that runs the
// workflow, inside the workflow task that follows the install, which saves a task-queue round trip and a workflow
// task. Only one attempt: while a local activity runs the workflow cannot answer queries or take signals, so a
// registry that is down is waited for by the regular activity (registryProfile), whose status says so.
const registryLocalProfile: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
};

const compensationProfile: ActivityOptions = {
  ...helmProfile,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ACTIVITY_FAILURES },
};

/** The same activities with a one-line summary the Web UI shows on the activity's row. */
export function withSummary(summary: string) {
  return {
    helm: proxyActivities<Pick<Activities, 'helmReleaseStatus' | 'helmInstallExchange' | 'helmUpgradeInstall' | 'helmUpgrade' | 'helmUninstall'>>({ ...helmProfile, summary }),
    registry: proxyActivities<Pick<Activities, 'registerBackbone' | 'deregisterBackbone' | 'derivePublicUrl'>>({ ...registryProfile, summary }),
    registryLocal: proxyLocalActivities<Pick<Activities, 'registerBackbone'>>({ ...registryLocalProfile, summary }),
    compensation: proxyActivities<Pick<Activities, 'helmUninstall'>>({ ...compensationProfile, summary }),
  };
}
