// A release's history and the way back: helmRevisions lists helm's revisions from its release records (values
// only as a digest), helmRollback returns the release to an earlier revision's values and chart, after holding
// them to today's rules: the values guard (a revision made before a policy rule existed does not come back past
// it) and the immutable StatefulSet fields (against the values deployed now).
import { ApplicationFailure } from '@temporalio/common';
import { chartFullname, describeImmutable, immutableChanges } from '../src/domain/chart-rules.js';
import { digestOf } from '../src/domain/manifest-diff.js';
import { FailureType, type ReleaseRef, type ReleaseRevision } from '../workflows/shared.js';
import { rollbackArgs } from './helm-args.js';
import { attempt } from './context.js';
import type { ActivityKit } from './kit.js';
import { deepMerge, retainedOverrides } from '../src/domain/values.js';

export function createRollbackActivities(kit: ActivityKit) {
  return {
    /** helm's revisions of the release, oldest first; an unknown release has none. */
    async helmRevisions(input: ReleaseRef): Promise<ReleaseRevision[]> {
      return kit.withRelease(input, async ({ target, kube }) => {
        const records = await kit.readReleaseRecords(kube, target.namespace, target.releaseName);
        return records
          .map((r) => ({
            revision: r.revision,
            status: r.status,
            chartVersion: r.chartVersion,
            appVersion: r.appVersion,
            time: r.time,
            description: r.description,
            valuesDigest: digestOf(r.config),
          }))
          .sort((a, b) => a.revision - b.revision);
      });
    },

    /**
     * `helm rollback <release> <revision>`, waiting for readiness as upgrades do; answers the revision it made.
     * Refused, before helm runs, when the revision's values fail today's values guard or would change an
     * immutable StatefulSet field of the deployed release.
     */
    async helmRollback(input: ReleaseRef & { revision: number }): Promise<{ revision: number; status: string; restoredRevision: number }> {
      const base = await kit.baseValues();
      return kit.withRelease(input, async ({ target, opts, kube }) => {
        const read = () => kit.readReleaseRecords(kube, target.namespace, target.releaseName);
        const records = await read();
        const newest = records[0];
        if (!newest) throw ApplicationFailure.nonRetryable(`Release '${target.releaseName}' not found`, FailureType.releaseNotFound);
        // a retry after a rollback that went through (its answer was lost) is done already
        if (attempt() > 1 && newest.status === 'deployed' && newest.description === `Rollback to ${input.revision}`) {
          return { revision: newest.revision, status: newest.status, restoredRevision: input.revision };
        }
        const wanted = records.find((r) => r.revision === input.revision);
        if (!wanted) {
          const kept = records.map((r) => r.revision);
          throw ApplicationFailure.nonRetryable(
            `Release '${target.releaseName}' has no revision ${input.revision} (it keeps revisions ${Math.min(...kept)} to ${Math.max(...kept)})`,
            FailureType.revisionNotFound,
          );
        }
        const overrides = retainedOverrides(wanted.config, base);
        // values read back from the caller's cluster pass today's guard like a request's (helm rolls back to exactly them)
        kit.guardValues(overrides, {}, `Revision ${input.revision}'s values fail today's values guard`);
        const after = deepMerge(base, wanted.config);
        const statefulSet = chartFullname(target.releaseName, after);
        const deployed = records.find((r) => r.status === 'deployed');
        const immutable = deployed ? immutableChanges(deepMerge(base, deployed.config), after) : [];
        if (immutable.length) {
          throw ApplicationFailure.create({ message: describeImmutable(immutable, statefulSet), type: FailureType.immutableField, nonRetryable: true, details: [{ keys: immutable }] });
        }
        const args = rollbackArgs({ ...target, revision: input.revision, timeoutSeconds: kit.deps.helm.timeoutSeconds, wait: kit.deps.helm.wait, historyMax: kit.deps.helm.historyMax });
        await kit.watchingReadiness(kube, target, statefulSet, () => kit.fx.runHelm(args, opts));
        const made = (await read())[0]!;
        return { revision: made.revision, status: made.status, restoredRevision: input.revision };
      });
    },
  };
}
