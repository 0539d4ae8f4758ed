// Fakes shared by the app tests: an in-memory exchange directory, operations that record their calls, principals.
import { sha256, type PrincipalConfig } from '../../../src/api/auth.js';
import type { Role } from '../../../src/http/access.js';
import type { ExchangeDirectory } from '../../../src/api/exchange-routes.js';
import type { ExchangeOperations, ExchangeRevisions, OperationStatus, Outcome, ReadOutcome } from '../../../src/temporal/exchange-operations.js';
import type { BackboneFilter, BackboneRecord, Page, PageRequest } from '../../../src/registry/types.js';
import {
  exchangeWorkflowId,
  type DeployExchangeInput,
  type DeployExchangeResult,
  type PreviewExchangeInput,
  type PreviewExchangeResult,
  type ReleaseRef,
  type RemoveExchangeInput,
  type RollbackExchangeInput,
  type RollbackExchangeResult,
  type RemoveExchangeResult,
  type UpdateExchangeInput,
  type UpdateExchangeResult,
} from '../../../workflows/shared.js';

/** Records by id; list() filters like the stores do (org_id exact, org_ids any-of), no paging. */
export class FakeDirectory implements ExchangeDirectory {
  readonly records = new Map<string, BackboneRecord>();
  lastFilter?: BackboneFilter;

  add(rec: Omit<BackboneRecord, 'created_at' | 'public_url' | 'metadata' | 'cluster_id' | 'name'> & Partial<BackboneRecord>): BackboneRecord {
    const full: BackboneRecord = {
      name: rec.release_name,
      cluster_id: 'cluster-1',
      public_url: `https://edge.example.com/nats/${rec.release_name}`,
      metadata: {},
      created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, this.records.size)).toISOString(),
      ...rec,
    };
    this.records.set(full.system_id, full);
    return full;
  }

  get(systemId: string): Promise<BackboneRecord | null> {
    return Promise.resolve(this.records.get(systemId) ?? null);
  }

  list(filter: BackboneFilter, page: PageRequest): Promise<Page<BackboneRecord>> {
    this.lastFilter = filter;
    const items = [...this.records.values()].filter(
      (r) =>
        (filter.org_id === undefined || r.org_ids.includes(filter.org_id)) &&
        (filter.org_ids === undefined || r.org_ids.some((o) => filter.org_ids!.includes(o))) &&
        (filter.cluster_id === undefined || r.cluster_id === filter.cluster_id),
    );
    return Promise.resolve({ items: items.slice(0, page.limit), next_cursor: null });
  }
}

/** Records every call and answers success; `statuses` are what status() reports per system id. */
export class RecordingOperations implements ExchangeOperations {
  deployCalls: DeployExchangeInput[] = [];
  updateCalls: UpdateExchangeInput[] = [];
  removeCalls: RemoveExchangeInput[] = [];
  statuses = new Map<string, OperationStatus>();
  /** Answer mutations with 'pending' (as Prefer: respond-async would) instead of success. */
  pending = false;
  /** When set, deploy() answers only once it resolves: a synchronous deploy still running. */
  deployGate?: Promise<void>;

  get calls(): number {
    return this.deployCalls.length + this.updateCalls.length + this.removeCalls.length + this.rollbackCalls.length + this.previewCalls.length + this.revisionsCalls.length;
  }

  private answer<T>(systemId: string, runId: string, result: T): Promise<Outcome<T>> {
    const workflowId = exchangeWorkflowId(systemId);
    return Promise.resolve(this.pending ? { ok: 'pending' as const, workflowId, runId } : { ok: true as const, workflowId, runId, result });
  }

  async deploy(input: DeployExchangeInput): Promise<Outcome<DeployExchangeResult>> {
    this.deployCalls.push(input);
    await this.deployGate;
    return this.answer(input.systemId, `00000000-0000-4000-8000-${String(this.calls).padStart(12, '0')}`, {
      systemId: input.systemId,
      releaseName: input.releaseName,
      namespace: input.namespace,
      publicUrl: `https://edge.example.com/nats/${input.releaseName}`,
      revision: 1,
    });
  }

  update(input: UpdateExchangeInput): Promise<Outcome<UpdateExchangeResult>> {
    this.updateCalls.push(input);
    return this.answer(input.systemId, `00000000-0000-4000-8000-${String(this.calls).padStart(12, '0')}`, {
      systemId: input.systemId,
      releaseName: input.releaseName,
      namespace: input.namespace,
      revision: 2,
    });
  }

  cancel(): Promise<null> {
    return Promise.resolve(null);
  }

  previewCalls: PreviewExchangeInput[] = [];
  preview(input: PreviewExchangeInput): Promise<ReadOutcome<PreviewExchangeResult>> {
    this.previewCalls.push(input);
    const { systemId, releaseName, namespace, mode } = input;
    const result: PreviewExchangeResult = { systemId, releaseName, namespace, mode, chartVersion: '2.14.2', values: {}, objects: [], refused: [], unchecked: [] };
    return Promise.resolve({ ok: true, workflowId: `preview-${systemId}-x`, runId: '00000000-0000-4000-8000-00000000000a', result });
  }

  revisionsCalls: Array<ReleaseRef & { systemId: string }> = [];
  revisions(input: ReleaseRef & { systemId: string }): Promise<ReadOutcome<ExchangeRevisions>> {
    this.revisionsCalls.push(input);
    const result: ExchangeRevisions = { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, revisions: [] };
    return Promise.resolve({ ok: true, workflowId: `revisions-${input.systemId}-x`, runId: '00000000-0000-4000-8000-00000000000b', result });
  }

  rollbackCalls: RollbackExchangeInput[] = [];
  rollback(input: RollbackExchangeInput): Promise<Outcome<RollbackExchangeResult>> {
    this.rollbackCalls.push(input);
    return this.answer(input.systemId, `00000000-0000-4000-8000-${String(this.calls).padStart(12, '0')}`, {
      systemId: input.systemId,
      releaseName: input.releaseName,
      namespace: input.namespace,
      revision: 3,
      restoredRevision: input.revision,
    });
  }

  remove(input: RemoveExchangeInput): Promise<Outcome<RemoveExchangeResult>> {
    this.removeCalls.push(input);
    return this.answer(input.systemId, `00000000-0000-4000-8000-${String(this.calls).padStart(12, '0')}`, {
      systemId: input.systemId,
      releaseName: input.releaseName,
      namespace: input.namespace,
      releaseUninstalled: true,
      recordDeleted: true,
    });
  }

  status(systemId: string, operationId?: string): Promise<OperationStatus | null> {
    const s = this.statuses.get(systemId);
    return Promise.resolve(s && (operationId === undefined || s.operation_id === operationId) ? s : null);
  }
}

/** A principal entry as API_PRINCIPALS holds it; its token is `<name>-token`. */
export function principal(name: string, roles: Role[], orgs: string[] = []): PrincipalConfig {
  return { name, token_sha256: sha256(tokenOf(name)).toString('hex'), roles, orgs };
}

export const tokenOf = (name: string) => `${name}-token`;
export const bearer = (name: string) => ({ Authorization: `Bearer ${tokenOf(name)}` });
