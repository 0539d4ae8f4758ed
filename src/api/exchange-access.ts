// Ownership checks for /exchange: which records and operations a caller may see, and whether a PUT or DELETE may
// act on the exchange its path names. Another org's exchange answers exactly like a missing one (404), so ids tell
// nobody what exists.
import type { BackboneFilter, BackboneRecord, Page, PageRequest } from '../registry/types.js';
import type { OperationStatus } from '../temporal/exchange-operations.js';
import { canSeeOrgs, isAdmin, type Principal } from '../http/access.js';
import { HttpError } from '../http/errors.js';

/** Where exchanges are looked up: the registry store served here, or an external registry through its client. */
export interface ExchangeDirectory {
  get(systemId: string): Promise<BackboneRecord | null>;
  list(filter: BackboneFilter, page: PageRequest): Promise<Page<BackboneRecord>>;
}

export function notFound(systemId: string): HttpError {
  return new HttpError(404, `No exchange with system_id '${systemId}'`);
}

/** Whose an operation is and what it acts on, as the request that started it said. */
export interface OperationOwner {
  orgIds: string[];
  releaseName: string;
  namespace: string;
  clusterFingerprint?: string;
}

/**
 * Operations this process started, by run id. An operation without a registry record (a deploy still running or
 * failed, a finished removal) has nothing else that says whose it is; the workflow's own search attributes are not
 * read here. Bounded, and lost on restart: then only admins see such operations.
 */
export class OperationOwners {
  private readonly byRun = new Map<string, OperationOwner>();
  /** Deploys whose request is still waiting, by system id: their run id is known only when they end. */
  private readonly waiting = new Map<string, OperationOwner[]>();

  constructor(private readonly max = 10_000) {}

  remember(runId: string, owner: OperationOwner): void {
    this.byRun.delete(runId);
    this.byRun.set(runId, owner);
    if (this.byRun.size > this.max) this.byRun.delete(this.byRun.keys().next().value as string);
  }

  get(runId: string): OperationOwner | undefined {
    return this.byRun.get(runId);
  }

  /** Marks a deploy request as waiting on its workflow; call the returned function when it answers. */
  waitingFor(systemId: string, owner: OperationOwner): () => void {
    this.waiting.set(systemId, [...(this.waiting.get(systemId) ?? []), owner]);
    return () => {
      const rest = (this.waiting.get(systemId) ?? []).filter((o) => o !== owner);
      if (rest.length) this.waiting.set(systemId, rest);
      else this.waiting.delete(systemId);
    };
  }

  waitingOn(systemId: string): OperationOwner[] {
    return this.waiting.get(systemId) ?? [];
  }
}

export interface ChangeTarget {
  releaseName: string;
  namespace: string;
  clusterFingerprint: string;
}

export class ExchangeAccess {
  constructor(
    private readonly directory: ExchangeDirectory | undefined,
    private readonly latestOperation: (systemId: string) => Promise<OperationStatus | null>,
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
    const owner = this.owners.get(runId);
    return owner !== undefined && canSeeOrgs(p, owner.orgIds);
  }

  /** A listing narrowed to the caller's orgs (an org_id filter outside them then matches nothing). */
  listFilter(p: Principal, filter: BackboneFilter): BackboneFilter {
    return isAdmin(p) ? filter : { ...filter, org_ids: p.orgs };
  }

  /**
   * What a PUT or DELETE may act on: a registered exchange of the caller's that has the body's release and namespace
   * and (when the record knows it) the kubeconfig's cluster. Anything else is refused before a workflow starts.
   * With `runningDeploy` (DELETE), a deploy still running without a record qualifies too, when this process started
   * it for the caller's orgs with the same target: the removal then cancels it.
   */
  async forChange(p: Principal, systemId: string, target: ChangeTarget, opts: { runningDeploy?: boolean; releaseNameIsHint?: boolean } = {}): Promise<OperationOwner> {
    if (!this.directory) throw new HttpError(501, 'No registry is configured: exchanges cannot be looked up');
    const { record, hidden } = await this.visibleRecord(p, systemId);
    if (record) {
      const owner = { orgIds: record.org_ids, releaseName: record.release_name, namespace: record.namespace, clusterFingerprint: record.cluster_fingerprint };
      // a PUT names the exchange by its id; the seed's own example sends another release_name than the one it
      // deployed, so there the body's name is a hint and the exchange's own release is upgraded (the answer warns)
      assertSameTarget(systemId, owner, opts.releaseNameIsHint ? { ...target, releaseName: owner.releaseName } : target);
      return owner;
    }
    // a half-failed deploy leaves no record; its compensation cleans up, so nothing here needs to act without one
    const deploying = !hidden && opts.runningDeploy ? await this.runningDeployOf(p, systemId) : undefined;
    if (!deploying) throw notFound(systemId);
    assertSameTarget(systemId, deploying, target);
    return deploying;
  }

  private async runningDeployOf(p: Principal, systemId: string): Promise<OperationOwner | undefined> {
    const latest = await this.latestOperation(systemId);
    if (latest?.operation !== 'deploy' || latest.status !== 'running') return undefined;
    const started = this.owners.get(latest.operation_id);
    if (started) return canSeeOrgs(p, started.orgIds) ? started : undefined;
    // a synchronous POST still waiting on this deploy; a second request for the same id (refused as busy a moment
    // later) makes it ambiguous whose the run is, and then nobody gets it
    const waiting = this.owners.waitingOn(systemId);
    return waiting.length === 1 && canSeeOrgs(p, waiting[0]!.orgIds) ? waiting[0] : undefined;
  }
}

function assertSameTarget(systemId: string, known: OperationOwner, target: ChangeTarget): void {
  if (known.releaseName !== target.releaseName || known.namespace !== target.namespace) {
    throw new HttpError(409, `Exchange '${systemId}' is release '${known.releaseName}' in namespace '${known.namespace}', not '${target.releaseName}' in '${target.namespace}'`, {
      error_type: 'ExchangeMismatch',
      system_id: systemId,
    });
  }
  if (known.clusterFingerprint && known.clusterFingerprint !== target.clusterFingerprint) {
    throw new HttpError(409, `The kubeconfig names another cluster than the one exchange '${systemId}' was deployed to`, {
      error_type: 'ClusterMismatch',
      system_id: systemId,
    });
  }
}
