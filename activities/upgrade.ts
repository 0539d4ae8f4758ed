// helmUpgrade: an update. The new overrides go on top of those of the last *deployed* revision (a failed
// upgrade's values are never carried on), checked first against the immutable StatefulSet fields and the
// values guard; an upgrade that does not become ready is rolled back by helm, and the failure says so.
import { ApplicationFailure } from '@temporalio/common';
import { chartFullname, describeImmutable, immutableChanges } from '../src/domain/chart-rules.js';
import type { ImpliedSwitch } from '../src/domain/chart-rules.js';
import { deepMerge, retainedOverrides } from '../src/domain/values.js';
import { FailureType, type HelmValues, type ReleaseRef } from '../workflows/shared.js';
import type { HelmReleaseResult } from './deps.js';
import type { HelmTarget } from './helm-args.js';
import type { KubeTarget } from './kube-api.js';
import type { ActivityKit } from './kit.js';

export function createUpgradeActivities(kit: ActivityKit) {
  /** After a failed update: says whether helm went back to the previous values (it rolls back on failure). */
  async function explainRollback(err: unknown, kube: KubeTarget, target: HelmTarget, previous: number): Promise<unknown> {
    if (!(err instanceof ApplicationFailure) || err.type === 'HelmCancelled') return err;
    const now = await kit.lastDeployed(kube, target).catch(() => undefined);
    if (!now || now.revision <= previous) return err;
    return ApplicationFailure.create({
      message: `${err.message} — rolled back: revision ${now.revision} restores the values of revision ${previous}`,
      type: err.type ?? FailureType.helmRejected,
      nonRetryable: true,
      details: [{ rolledBackTo: now.revision, restoredRevision: previous }],
    });
  }

  return {
    /**
     * `helm upgrade` (no install) with the new overrides on top of the overrides the release already has.
     * Retried attempts read the values again, so a retry after a half-applied upgrade converges.
     */
    async helmUpgrade(input: { release: ReleaseRef; helmValues: HelmValues }): Promise<HelmReleaseResult & { implied?: ImpliedSwitch[] }> {
      const requested = kit.expand(input.helmValues);
      const base = await kit.baseValues();
      return kit.withRelease(input.release, async (op) => {
        const { kube, target } = op;
        // first: a recovery rollback makes a deployed revision that must not pass for helm's rollback-on-failure below
        await kit.recoverInterrupted(op);
        const deployedBefore = await kit.lastDeployed(kube, target);
        const current = deployedBefore.config;
        const retained = retainedOverrides(current, base);
        // the values guard over retained + requested (the retained ones come from the caller's cluster: untrusted),
        // with the switches the request needs turned on
        const { overrides, implied } = kit.guardValues(requested, retained);
        const before = deepMerge(base, current);
        const after = deepMerge(base, overrides);
        const statefulSet = chartFullname(target.releaseName, after);
        const immutable = immutableChanges(before, after);
        if (immutable.length)
          throw ApplicationFailure.create({ message: describeImmutable(immutable, statefulSet), type: FailureType.immutableField, nonRetryable: true, details: [{ keys: immutable }] });
        try {
          const upgraded = await kit.watchingReadiness(kube, target, statefulSet, () => kit.upgrade(op, overrides, { install: false }));
          return { ...upgraded, implied };
        } catch (err) {
          throw await explainRollback(err, kube, target, deployedBefore.revision);
        }
      });
    },
  };
}
