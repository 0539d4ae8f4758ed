import { ApplicationFailure, CancellationScope, isCancellation, log } from '@temporalio/workflow';
import { withSummary } from './activity-profiles.js';
import { failureMessage, failureType, ProgressTracker } from './progress.js';
import { FailureType, Operation, type DeployExchangeInput, type DeployExchangeResult, type ReleaseRef } from './shared.js';

/**
 * Installs a NATS release and registers it. Saga: each step that changed the world pushes its inverse; when a
 * later step fails for good the inverses run in a non-cancellable scope and the workflow fails with an
 * ApplicationFailure saying what happened and what was undone.
 */
export async function deployExchange(input: DeployExchangeInput): Promise<DeployExchangeResult> {
  const progress = new ProgressTracker(Operation.deploy);
  const release: ReleaseRef = { kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace };
  const at = `${input.releaseName} -n ${input.namespace}`;
  const undo: Array<{ name: string; run: () => Promise<unknown> }> = [];
  let step = 'check-release';
  try {
    const existing = await progress.step(step, () => withSummary(`helm status ${at}`).helm.helmReleaseStatus(release));
    if (existing.exists) {
      // never adopt (or, on failure, uninstall) a release this exchange did not create
      throw ApplicationFailure.nonRetryable(
        `Release '${input.releaseName}' already exists in namespace '${input.namespace}' (status ${existing.status ?? 'unknown'})`,
        FailureType.releaseAlreadyExists,
      );
    }

    step = 'helm-install';
    // pushed before the call: a failed first install still leaves a release record behind
    // the undo also drops the JetStream claims this install created, never ones that were there before it
    const keepClaims = existing.claims ?? [];
    undo.push({
      name: 'helm-uninstall',
      run: () => withSummary(`undo: helm uninstall ${at}`).compensation.helmUninstall({ ...release, deleteData: true, keepClaims }),
    });
    const installed = await progress.step(step, () =>
      withSummary(`helm upgrade --install ${at}`).helm.helmUpgradeInstall({ release, helmValues: input.helmValues }),
    );

    step = 'derive-public-url';
    const publicUrl = await progress.step(step, () =>
      withSummary(`public_url of ${input.releaseName}`).registry.derivePublicUrl({ kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace, clusterId: input.clusterId }),
    );

    step = 'register';
    await progress.step(step, () =>
      withSummary(`register exchange ${input.systemId} in the Backbone Registry`).registry.registerBackbone({
        system_id: input.systemId,
        name: input.name,
        release_name: input.releaseName,
        namespace: input.namespace,
        cluster_id: input.clusterId,
        org_ids: input.orgIds,
        public_url: publicUrl,
        metadata: input.metadata,
        cluster_fingerprint: input.clusterFingerprint,
      }),
    );
    progress.finish('succeeded');
    return { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, publicUrl, revision: installed.revision };
  } catch (err) {
    if (undo.length === 0) {
      progress.finish('failed');
      throw err instanceof ApplicationFailure || isCancellation(err) ? err : deployFailure(step, err, input, []);
    }
    progress.finish('compensating');
    const undone: string[] = [];
    const undoErrors: string[] = [];
    // compensation must run to the end even when the workflow itself is being cancelled
    await CancellationScope.nonCancellable(async () => {
      for (const u of undo.reverse()) {
        try {
          await progress.step(u.name, u.run);
          undone.push(u.name);
        } catch (undoErr) {
          undoErrors.push(`${u.name}: ${failureMessage(undoErr)}`);
          log.error('compensation failed', { step: u.name, error: failureMessage(undoErr) });
        }
      }
    });
    progress.finish('failed');
    if (isCancellation(err)) throw err;
    throw deployFailure(step, err, input, undone, undoErrors);
  }
}

function deployFailure(step: string, err: unknown, input: DeployExchangeInput, undone: string[], undoErrors: string[] = []): ApplicationFailure {
  const reason = failureMessage(err);
  const what =
    step === 'register'
      ? `Registration of exchange '${input.releaseName}' in the Backbone Registry failed: ${reason}`
      : `Deployment of exchange '${input.releaseName}' failed at ${step}: ${reason}`;
  const cleanup = undoErrors.length
    ? `; cleanup FAILED, release may remain: ${undoErrors.join('; ')}`
    : undone.length
      ? `; release '${input.releaseName}' was uninstalled`
      : '';
  return ApplicationFailure.create({
    message: `${what}${cleanup}`,
    type: step === 'register' ? FailureType.registrationFailed : FailureType.deployFailed,
    nonRetryable: true,
    details: [{ step, causeType: failureType(err) ?? null, compensated: undone, compensationErrors: undoErrors }],
  });
}
