import { ApplicationFailure, CancellationScope, defineSignal, isCancellation, log, patched, setHandler } from '@temporalio/workflow';
import { withSummary } from './activity-profiles.js';
import { failureMessage, failureType, isFinal, ProgressTracker } from './progress.js';
import { FailureType, HELM_STARTED_SIGNAL, Operation, type DeployExchangeInput, type DeployExchangeResult, type ReleaseRef } from './shared.js';

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
  // deploys started before the check and public_url moved into helmInstallExchange replay their own steps
  const folded = patched('install-checks-release');
  // since 'undo-after-helm-started' the compensation runs only once the install said (a signal) that helm starts
  const undoAfterHelm = folded && patched('undo-after-helm-started');
  let helmStarted = false;
  setHandler(defineSignal(HELM_STARTED_SIGNAL), () => {
    helmStarted = true;
  });
  let step = folded ? 'helm-install' : 'check-release';
  try {
    let keepClaims: string[] = [];
    if (!folded) {
      const existing = await progress.step(step, () => withSummary(`helm status ${at}`).helm.helmReleaseStatus(release));
      if (existing.exists) throw alreadyExists(input, existing.status);
      keepClaims = existing.claims ?? [];
      step = 'helm-install';
    }
    // pushed before the call: a failed first install still leaves a release record behind; the undo removes only
    // a release labelled with this exchange's id and only the JetStream claims this install created
    undo.push({
      name: 'helm-uninstall',
      run: () =>
        withSummary(`undo: helm uninstall ${at}`).compensation.helmUninstall(
          folded ? { ...release, deleteData: true, keepOlderClaims: true, ownedBy: input.systemId } : { ...release, deleteData: true, keepClaims },
        ),
    });
    const summary = `helm upgrade --install ${at}`;
    let installed: { revision: number; publicUrl: string };
    if (folded) {
      installed = await progress.step(step, () =>
        withSummary(summary).helm.helmInstallExchange({ release, helmValues: input.helmValues, systemId: input.systemId, clusterId: input.clusterId }),
      );
    } else {
      const { revision } = await progress.step(step, () => withSummary(summary).helm.helmUpgradeInstall({ release, helmValues: input.helmValues }));
      step = 'derive-public-url';
      const publicUrl = await progress.step(step, () =>
        withSummary(`public_url of ${input.releaseName}`).registry.derivePublicUrl({ kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace, clusterId: input.clusterId }),
      );
      installed = { revision, publicUrl };
    }
    const { publicUrl } = installed;

    step = 'register';
    const record = {
      system_id: input.systemId,
      name: input.name,
      release_name: input.releaseName,
      namespace: input.namespace,
      cluster_id: input.clusterId,
      org_ids: input.orgIds,
      public_url: publicUrl,
      metadata: input.metadata,
      cluster_fingerprint: input.clusterFingerprint,
    };
    const registry = withSummary(`register exchange ${input.systemId} in the Backbone Registry`);
    await progress.step(step, async () => {
      // since 'register-local-activity': one quick local attempt first; runs started before go straight to the queue
      if (patched('register-local-activity')) {
        try {
          return await registry.registryLocal.registerBackbone(record);
        } catch (err) {
          if (isCancellation(err) || isFinal(err)) throw err;
        }
      }
      return registry.registry.registerBackbone(record);
    });
    progress.finish('succeeded');
    return { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, publicUrl, revision: installed.revision, implied: input.implied ?? [] };
  } catch (err) {
    // somebody else's release: nothing of ours to undo, and the answer is the one a deploy always gave
    if (failureType(err) === FailureType.releaseAlreadyExists) {
      progress.finish('failed');
      throw alreadyExists(input, undefined, failureMessage(err));
    }
    // the install never got as far as helm (no helm-started signal): nothing on the cluster is ours to undo
    if (step === 'helm-install' && undoAfterHelm && !helmStarted) undo.length = 0;
    if (undo.length === 0) {
      progress.finish('failed');
      throw err instanceof ApplicationFailure || isCancellation(err) ? err : deployFailure(step, err, input, []);
    }
    progress.finish('compensating');
    const undone: string[] = [];
    const undoErrors: string[] = [];
    let foundNothing = false;
    // compensation must run to the end even when the workflow itself is being cancelled
    await CancellationScope.nonCancellable(async () => {
      for (const u of undo.reverse()) {
        try {
          const result = await progress.step(u.name, u.run);
          undone.push(u.name);
          // the guarded uninstall found no release of this exchange (the install failed before writing one)
          foundNothing ||= (result as { uninstalled?: boolean } | undefined)?.uninstalled === false;
        } catch (undoErr) {
          undoErrors.push(`${u.name}: ${failureMessage(undoErr)}`);
          log.error('compensation failed', { step: u.name, error: failureMessage(undoErr) });
        }
      }
    });
    progress.finish('failed');
    if (isCancellation(err)) throw err;
    throw deployFailure(step, err, input, undone, undoErrors, foundNothing);
  }
}

function alreadyExists(input: DeployExchangeInput, status: string | undefined, message?: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    message ?? `Release '${input.releaseName}' already exists in namespace '${input.namespace}' (status ${status ?? 'unknown'})`,
    FailureType.releaseAlreadyExists,
  );
}

function deployFailure(step: string, err: unknown, input: DeployExchangeInput, undone: string[], undoErrors: string[] = [], foundNothing = false): ApplicationFailure {
  const reason = failureMessage(err);
  const what =
    step === 'register'
      ? `Registration of exchange '${input.releaseName}' in the Backbone Registry failed: ${reason}`
      : `Deployment of exchange '${input.releaseName}' failed at ${step}: ${reason}`;
  const cleanup = undoErrors.length
    ? `; cleanup FAILED, release may remain: ${undoErrors.join('; ')}`
    : undone.length
      ? foundNothing
        ? '; no release of this exchange was found to uninstall'
        : `; release '${input.releaseName}' was uninstalled`
      : '';
  return ApplicationFailure.create({
    message: `${what}${cleanup}`,
    type: step === 'register' ? FailureType.registrationFailed : FailureType.deployFailed,
    nonRetryable: true,
    details: [{ step, causeType: failureType(err) ?? null, compensated: undone, compensationErrors: undoErrors }],
  });
}
