// helmUninstall: removes a release, and with deleteData its JetStream claims (the chart sets no claim
// retention, so the StatefulSet's claims outlive the release). A compensation deletes only the claims the
// failed install made: those the API server created at or after the release's oldest record.
import { EXCHANGE_LABEL, type ReleaseRef, type VolumesOutcome } from '../workflows/shared.js';
import { uninstallArgs } from './helm-args.js';
import type { Claim, StoredRelease } from './kube-api.js';
import type { ActivityKit } from './kit.js';

export interface UninstallInput extends ReleaseRef {
  deleteData?: boolean;
  /** Claims never deleted (those that existed before a failed install; deploys that listed them first). */
  keepClaims?: string[];
  /** Keep the claims created before the release's oldest record: they held data before this release existed. */
  keepOlderClaims?: boolean;
  /** A compensation's guard: only a release whose record carries this exchange id is removed (another is left alone). */
  ownedBy?: string;
}

/** Claims created before the release's oldest record (RFC 3339 timestamps of the same API server compare as text). */
export function claimsOlderThan(records: StoredRelease[], claims: Claim[]): string[] {
  const oldest = records.map((r) => r.created).filter((c): c is string => !!c).sort()[0];
  // no record: the install never got as far as storing one, so it made no claims either
  if (!oldest) return claims.map((c) => c.name);
  return claims.filter((c) => !c.created || c.created < oldest).map((c) => c.name);
}

export function createUninstallActivities(kit: ActivityKit) {
  return {
    /** `helm uninstall --ignore-not-found`: a release that is already gone is success. */
    async helmUninstall(input: UninstallInput): Promise<{ uninstalled: boolean; volumes: VolumesOutcome }> {
      return kit.withRelease(input, async ({ target, opts, kube }) => {
        // helm prints "uninstalled" even for a release it did not find, so ask first (its records, not a helm process)
        const records = await kit.readReleaseRecords(kube, target.namespace, target.releaseName);
        if (input.ownedBy && records.length && !records.some((r) => r.labels[EXCHANGE_LABEL] === input.ownedBy)) {
          return { uninstalled: false, volumes: { action: 'kept', claims: [] } };
        }
        if (records.length) await kit.fx.runHelm(uninstallArgs({ ...target, timeoutSeconds: kit.deps.helm.timeoutSeconds }), opts);
        // one read after the uninstall (helm leaves the claims); their age is compared with the records read before it
        const found = await kit.readClaims(kube, target.namespace, target.releaseName);
        const claims = found.map((c) => c.name);
        if (!input.deleteData) return { uninstalled: records.length > 0, volumes: { action: 'kept', claims } };
        const keep = [...(input.keepClaims ?? []), ...(input.keepOlderClaims ? claimsOlderThan(records, found) : [])];
        const doomed = claims.filter((c) => !keep.includes(c));
        for (const c of doomed) {
          await kit.fx.kube.deleteClaim(kube, target.namespace, c).catch((err: unknown) => {
            throw kit.clusterFailure(err, `deleting PersistentVolumeClaim ${c}`);
          });
        }
        return { uninstalled: records.length > 0, volumes: { action: 'deleted', claims: doomed } };
      });
    },
  };
}
