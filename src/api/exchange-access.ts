// Ownership checks for /exchange: which records and operations a caller may see, and whether a PUT or DELETE may
// act on the exchange its path names. Another org's exchange answers exactly like a missing one (404), so ids tell
// nobody what exists.
import type { BackboneFilter, BackboneRecord, Page, PageRequest } from '../registry/types.js';
import { canSeeOrgs, isAdmin, type Principal } from './access.js';
import { HttpError } from './errors.js';

/** Where exchanges are looked up: the registry store served here, or an external registry through its client. */
export interface ExchangeDirectory {
  get(systemId: string): Promise<BackboneRecord | null>;
  list(filter: BackboneFilter, page: PageRequest): Promise<Page<BackboneRecord>>;
}

export function notFound(systemId: string): HttpError {
  return new HttpError(404, `No exchange with system_id '${systemId}'`);
}

/**
 * Org ids of operations this process started, by run id. An operation without a registry record (a deploy still
 * running or failed, a finished removal) has nothing else that says whose it is; the workflow's own search
 * attributes are not read here. Bounded, and lost on restart: then only admins see such operations.
 */
export class OperationOwners {
  private readonly byRun = new Map<string, string[]>();

  constructor(private readonly max = 10_000) {}

  remember(runId: string, orgIds: string[]): void {
    this.byRun.delete(runId);
    this.byRun.set(runId, orgIds);
    if (this.byRun.size > this.max) this.byRun.delete(this.byRun.keys().next().value as string);
  }

  orgsOf(runId: string): string[] | undefined {
    return this.byRun.get(runId);
  }
}

export class ExchangeAccess {
  constructor(
    private readonly directory: ExchangeDirectory | undefined,
    readonly owners = new OperationOwners(),
  ) {}

  /** The record when the caller may see it; null when there is none or it is another org's. */
  async visibleRecord(p: Principal, systemId: string): Promise<{ record: BackboneRecord | null; hidden: boolean }> {
    const record = (await this.directory?.get(systemId)) ?? null;
    if (record && !canSeeOrgs(p, record.org_ids)) return { record: null, hidden: true };
    return { record, hidden: false };
  }

  /** An operation of an exchange with no record is visible to admins and to the orgs that started it here. */
  mayReadOperation(p: Principal, record: BackboneRecord | null, runId: string): boolean {
    if (record) return true; // already checked by visibleRecord
    if (isAdmin(p)) return true;
    const orgs = this.owners.orgsOf(runId);
    return orgs !== undefined && canSeeOrgs(p, orgs);
  }

  /** A listing narrowed to the caller's orgs (an org_id filter outside them then matches nothing). */
  listFilter(p: Principal, filter: BackboneFilter): BackboneFilter {
    return isAdmin(p) ? filter : { ...filter, org_ids: p.orgs };
  }

  /**
   * The record a PUT or DELETE acts on: it must exist, be the caller's, name the release and namespace of the body,
   * and (when the record knows it) the cluster of the kubeconfig. Anything else is refused before a workflow starts.
   */
  async forChange(p: Principal, systemId: string, target: { releaseName: string; namespace: string; clusterFingerprint: string }): Promise<BackboneRecord> {
    if (!this.directory) throw new HttpError(501, 'No registry is configured: exchanges cannot be looked up');
    const { record } = await this.visibleRecord(p, systemId);
    // a half-failed deploy leaves no record; its compensation cleans up, so nothing here needs to act without one
    if (!record) throw notFound(systemId);
    if (record.release_name !== target.releaseName || record.namespace !== target.namespace) {
      throw new HttpError(409, `Exchange '${systemId}' is release '${record.release_name}' in namespace '${record.namespace}', not '${target.releaseName}' in '${target.namespace}'`, {
        error_type: 'ExchangeMismatch',
        system_id: systemId,
      });
    }
    if (record.cluster_fingerprint && record.cluster_fingerprint !== target.clusterFingerprint) {
      throw new HttpError(409, `The kubeconfig names another cluster than the one exchange '${systemId}' was deployed to`, {
        error_type: 'ClusterMismatch',
        system_id: systemId,
      });
    }
    return record;
  }
}
