import { isCancellation } from '@temporalio/workflow';
import { withSummary } from './activity-profiles.js';
import { operationFailure, ProgressTracker } from './progress.js';
import { FailureType, Operation, type RemoveExchangeInput, type RemoveExchangeResult } from './shared.js';

/**
 * Uninstalls the release, then deletes the registry record. Both steps treat "already gone" as success, so a
 * retried or repeated DELETE converges. The record goes last: while the release exists it stays discoverable.
 */
export async function removeExchange(input: RemoveExchangeInput): Promise<RemoveExchangeResult> {
  const progress = new ProgressTracker(Operation.remove);
  const release = { kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace };
  let step = 'helm-uninstall';
  try {
    const { uninstalled, volumes } = await progress.step(step, () =>
      withSummary(`helm uninstall ${input.releaseName} -n ${input.namespace}${input.deleteData ? ' (and its volumes)' : ''}`).helm.helmUninstall({
        ...release,
        deleteData: input.deleteData === true,
      }),
    );
    step = 'deregister';
    const { deleted } = await progress.step(step, () => withSummary(`deregister exchange ${input.systemId}`).registry.deregisterBackbone(input.systemId));
    progress.finish('succeeded');
    return { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, releaseUninstalled: uninstalled, recordDeleted: deleted, volumes };
  } catch (err) {
    progress.finish('failed');
    // a cancelled removal ends as cancelled (as deployExchange does), not as a RemoveFailed the API reports as an error
    if (isCancellation(err)) throw err;
    throw operationFailure(`Removal of exchange '${input.releaseName}' failed at ${step}`, err, FailureType.removeFailed, step);
  }
}
