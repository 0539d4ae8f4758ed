// Installing an exchange's release. helmInstallExchange is one activity for what a deploy needs before it can
// register: the public_url (a pure function of the kubeconfig, computed before anything changes), the check that
// the release is not somebody else's (helm's release records, read through the API server), and
// `helm upgrade --install`, which labels the record with the exchange's id so a retry recognises its own release.
// helmUpgradeInstall is the same install without the check, for deploys started before helmInstallExchange.
import { ApplicationFailure } from '@temporalio/common';
import { chartFullname } from '../src/domain/chart-rules.js';
import { derivePublicUrl } from '../src/domain/public-url.js';
import { deepMerge } from '../src/domain/values.js';
import { EXCHANGE_LABEL, FailureType, HELM_STARTED_SIGNAL, type HelmValues, type ReleaseRef } from '../workflows/shared.js';
import type { HelmReleaseResult } from './deps.js';
import { announceToWorkflow } from './context.js';
import type { ActivityKit } from './kit.js';

export interface InstallExchangeInput {
  release: ReleaseRef;
  helmValues: HelmValues;
  systemId: string;
  clusterId: string;
}

export function createInstallActivities(kit: ActivityKit) {
  const publicUrlOf = (input: { kubeconfig: Record<string, unknown>; releaseName: string; namespace: string; clusterId: string }): string => {
    try {
      return derivePublicUrl({ ...input, template: kit.deps.publicUrlTemplate });
    } catch (err) {
      throw ApplicationFailure.nonRetryable((err as Error).message, FailureType.invalidKubeconfig);
    }
  };

  async function install(input: InstallExchangeInput): Promise<HelmReleaseResult & { publicUrl: string }> {
    const { release } = input;
    const { overrides } = kit.guardValues(kit.expand(input.helmValues));
    const statefulSet = chartFullname(release.releaseName, deepMerge(await kit.baseValues(), overrides));
    return kit.withRelease(release, async (op) => {
      // from the reduced kubeconfig: the context helm will use, before anything changes
      const publicUrl = publicUrlOf({ kubeconfig: op.kubeconfig, releaseName: release.releaseName, namespace: release.namespace, clusterId: input.clusterId });
      const records = await kit.readReleaseRecords(op.kube, release.namespace, release.releaseName);
      // a record with our label is our own (an earlier attempt's, its answer lost): go on, the upgrade converges
      if (records.length && !records.some((r) => r.labels[EXCHANGE_LABEL] === input.systemId)) {
        throw ApplicationFailure.nonRetryable(
          `Release '${release.releaseName}' already exists in namespace '${release.namespace}' (status ${records[0]!.status})`,
          FailureType.releaseAlreadyExists,
        );
      }
      // recorded in the workflow's history before helm runs: only then does the deploy's compensation uninstall
      await announceToWorkflow(HELM_STARTED_SIGNAL);
      await kit.recoverInterrupted(op, records[0]?.status);
      const installed = await kit.watchingReadiness(op.kube, op.target, statefulSet, () => kit.upgrade(op, overrides, { install: true, labels: { [EXCHANGE_LABEL]: input.systemId } }));
      return { ...installed, publicUrl };
    });
  }

  return {
    /** Installs the release of exchange `systemId`; never adopts a release another exchange or tool made. Idempotent. */
    helmInstallExchange: install,

    /** `helm upgrade --install` with the base values and the request's overrides. Idempotent. */
    async helmUpgradeInstall(input: { release: ReleaseRef; helmValues: HelmValues }): Promise<HelmReleaseResult> {
      const { overrides } = kit.guardValues(kit.expand(input.helmValues));
      const statefulSet = chartFullname(input.release.releaseName, deepMerge(await kit.baseValues(), overrides));
      return kit.withRelease(input.release, async (op) => {
        await kit.recoverInterrupted(op);
        return kit.watchingReadiness(op.kube, op.target, statefulSet, () => kit.upgrade(op, overrides, { install: true }));
      });
    },

    /** public_url of a release (the activity of deploys started before helmInstallExchange computed it). */
    async derivePublicUrl(input: { kubeconfig: Record<string, unknown>; releaseName: string; namespace: string; clusterId: string }): Promise<string> {
      return Promise.resolve().then(() => publicUrlOf(input));
    },
  };
}
