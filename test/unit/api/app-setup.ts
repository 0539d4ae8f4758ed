// Shared by app-exchange.test.ts and app-errors.test.ts: the app over operations that answer canned outcomes.
import { DEFAULT_KUBECONFIG_POLICY } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { createLogger } from '../../../src/logger.js';
import type { CancelOutcome, ExchangeOperations, ExchangeRevisions, OperationFailure, Outcome, ReadOutcome } from '../../../src/temporal/exchange-operations.js';
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
import { multiContextKubeconfig } from '../fixtures/kubeconfig.js';
import { FakeDirectory } from './support.js';

// system ids are name-based (v5) UUIDs of (cluster_id, namespace, release_name)
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const SYSTEM_ID = '7b6f0f0e-6a2b-4c1e-9d7a-2f3c4b5a6d7e';
/** Registered in namespace 'nats' (the other one in the default namespace). */
export const SYSTEM_ID_NATS = '0f3e2d1c-5b4a-4978-8a6b-5c4d3e2f1a0b';
export const TEMPORAL_UI = 'http://temporal-ui.local:8233';

interface ApiBody {
  success: boolean;
  error?: string;
  system_id?: string;
  workflow_id?: string;
  workflow_url?: string;
  details?: unknown;
}
export const bodyOf = (res: { body: unknown }): ApiBody => res.body as ApiBody;

/** Records every call; answers with the canned outcome (or throws) set per verb. */
class FakeOperations implements ExchangeOperations {
  deployCalls: DeployExchangeInput[] = [];
  updateCalls: UpdateExchangeInput[] = [];
  removeCalls: RemoveExchangeInput[] = [];
  deployOutcome?: Outcome<DeployExchangeResult> | Error;
  updateOutcome?: Outcome<UpdateExchangeResult> | Error;
  removeOutcome?: Outcome<RemoveExchangeResult> | Error;

  /** What runningFor answers per org (Temporal's visibility count); unset orgs: 0. */
  running: Record<string, number> = {};
  runningFor(org: string): Promise<number> {
    return Promise.resolve(this.running[org] ?? 0);
  }

  previewCalls: PreviewExchangeInput[] = [];
  revisionsCalls: Array<ReleaseRef & { systemId: string }> = [];
  rollbackCalls: RollbackExchangeInput[] = [];
  previewOutcome?: ReadOutcome<PreviewExchangeResult>;
  revisionsOutcome?: ReadOutcome<ExchangeRevisions>;
  rollbackOutcome?: Outcome<RollbackExchangeResult> | Error;

  get calls(): number {
    return this.deployCalls.length + this.updateCalls.length + this.removeCalls.length + this.rollbackCalls.length + this.previewCalls.length + this.revisionsCalls.length;
  }

  preview(input: PreviewExchangeInput) {
    this.previewCalls.push(input);
    const { systemId, releaseName, namespace, mode } = input;
    return Promise.resolve(
      this.previewOutcome ?? {
        ok: true as const,
        workflowId: `preview-${systemId}-1`,
        runId: 'run-p',
        result: { systemId, releaseName, namespace, mode, chartVersion: '2.14.2', values: { a: 1 }, objects: [], refused: [], unchecked: [] },
      },
    );
  }

  revisions(input: ReleaseRef & { systemId: string }) {
    this.revisionsCalls.push(input);
    return Promise.resolve(
      this.revisionsOutcome ?? {
        ok: true as const,
        workflowId: `revisions-${input.systemId}-1`,
        runId: 'run-r',
        result: { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, revisions: [] },
      },
    );
  }

  rollback(input: RollbackExchangeInput) {
    this.rollbackCalls.push(input);
    return FakeOperations.answer(this.rollbackOutcome, () => ({
      ok: true as const,
      workflowId: exchangeWorkflowId(input.systemId),
      runId: 'run-4',
      result: { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, revision: 4, restoredRevision: input.revision },
    }));
  }

  private static answer<T>(canned: Outcome<T> | Error | undefined, fallback: () => Outcome<T>): Promise<Outcome<T>> {
    if (canned instanceof Error) return Promise.reject(canned);
    return Promise.resolve(canned ?? fallback());
  }

  deploy(input: DeployExchangeInput) {
    this.deployCalls.push(input);
    return FakeOperations.answer(this.deployOutcome, () => ({
      ok: true as const,
      workflowId: exchangeWorkflowId(input.systemId),
      runId: 'run-1',
      result: { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, publicUrl: `https://edge.example.com/nats/${input.releaseName}`, revision: 1 },
    }));
  }

  update(input: UpdateExchangeInput) {
    this.updateCalls.push(input);
    return FakeOperations.answer(this.updateOutcome, () => ({
      ok: true as const,
      workflowId: exchangeWorkflowId(input.systemId),
      runId: 'run-2',
      result: { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, revision: 2 },
    }));
  }

  status(): Promise<null> {
    return Promise.resolve(null);
  }

  cancelCalls: string[] = [];
  cancelOutcome: CancelOutcome | null = null;
  cancel(systemId: string) {
    this.cancelCalls.push(systemId);
    return Promise.resolve(this.cancelOutcome);
  }

  remove(input: RemoveExchangeInput) {
    this.removeCalls.push(input);
    return FakeOperations.answer(this.removeOutcome, () => ({
      ok: true as const,
      workflowId: exchangeWorkflowId(input.systemId),
      runId: 'run-3',
      result: { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, releaseUninstalled: true, recordDeleted: true },
    }));
  }
}

export function setup(opts: { orgMaxOperations?: number } = {}) {
  const ops = new FakeOperations();
  // PUT and DELETE act only on exchanges the registry holds (ownership: tenancy-ownership.test.ts)
  const directory = new FakeDirectory();
  directory.add({ system_id: SYSTEM_ID, release_name: 'r', namespace: 'communication', org_ids: ['org1'] });
  directory.add({ system_id: SYSTEM_ID_NATS, release_name: 'r', namespace: 'nats', org_ids: ['org1'] });
  const app = createApp({
    operations: ops,
    directory,
    kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
    temporalUiUrl: TEMPORAL_UI,
    temporalNamespace: 'default',
    logger: createLogger('silent', 'test'),
    orgMaxOperations: opts.orgMaxOperations,
  });
  return { ops, app };
}

export const seedBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kubeconfig: multiContextKubeconfig(),
  helm_values: { 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '5Gi', 'config.cluster.replicas': 3 },
  release_name: 'r',
  org_ids: 'org1,org2',
  cluster_id: 'cluster-1',
  name: 'Exchange R',
  ...over,
});
export const updateBody = (over: Record<string, unknown> = {}) => ({ kubeconfig: multiContextKubeconfig(), release_name: 'r', helm_values: { 'config.cluster.replicas': 5 }, ...over });
export const removeBody = (over: Record<string, unknown> = {}) => ({ kubeconfig: multiContextKubeconfig(), release_name: 'r', ...over });

export const failure = (status: number, type: string, error: string): OperationFailure => ({ ok: false, status, type, error, workflowId: `exchange-${SYSTEM_ID}`, runId: 'run-x' });
