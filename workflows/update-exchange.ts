import { isCancellation } from '@temporalio/workflow';
import { withSummary } from './activity-profiles.js';
import { operationFailure, ProgressTracker } from './progress.js';
import { FailureType, Operation, type UpdateExchangeInput, type UpdateExchangeResult } from './shared.js';

/** helm upgrade (never install) with the new overrides merged over the release's current ones; registry untouched. */
export async function updateExchange(input: UpdateExchangeInput): Promise<UpdateExchangeResult> {
  const progress = new ProgressTracker(Operation.update);
  const release = { kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace };
  try {
    const upgraded = await progress.step('helm-upgrade', () =>
      withSummary(`helm upgrade ${input.releaseName} -n ${input.namespace} (overrides merged)`).helm.helmUpgrade({ release, helmValues: input.helmValues }),
    );
    progress.finish('succeeded');
    return { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, revision: upgraded.revision, implied: upgraded.implied ?? [] };
  } catch (err) {
    progress.finish('failed');
    // a cancelled update ends as cancelled (as deployExchange does), not as an UpdateFailed the API reports as an error
    if (isCancellation(err)) throw err;
    throw operationFailure(`Helm upgrade failed for release '${input.releaseName}'`, err, FailureType.updateFailed, 'helm-upgrade');
  }
}
