// helmReleaseStatus: whether a release exists and in which state, read from helm's release records through the
// API server (no helm process for a yes/no question). Used by deploys started before the existence check moved
// into helmInstallExchange, whose histories still replay.
import type { ReleaseRef } from '../workflows/shared.js';
import type { ReleaseState } from './deps.js';
import type { ActivityKit } from './kit.js';

export function createReleaseStatusActivities(kit: ActivityKit) {
  return {
    /** Whether the release exists, and in which state (deployed, failed, pending-install, …). */
    async helmReleaseStatus(ref: ReleaseRef): Promise<ReleaseState> {
      return kit.withRelease(ref, async ({ target, kube }) => {
        const [records, claims] = await Promise.all([kit.readReleaseRecords(kube, target.namespace, target.releaseName), kit.readClaims(kube, target.namespace, target.releaseName)]);
        const newest = records[0];
        const names = claims.map((c) => c.name);
        return newest ? { exists: true, status: newest.status, revision: newest.revision, claims: names } : { exists: false, claims: names };
      });
    },
  };
}
