import request from 'supertest';
import { DEFAULT_KUBECONFIG_POLICY, resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { createLogger } from '../../../src/logger.js';
import type { CancelOutcome, ExchangeOperations, ExchangeRevisions, OperationFailure, Outcome, ReadOutcome } from '../../../src/temporal/exchange-operations.js';
import {
  exchangeWorkflowId,
  FailureType,
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
import { FAKE_TOKEN, kubeconfigWithUser, multiContextKubeconfig } from '../fixtures/kubeconfig.js';
import { FakeDirectory } from './support.js';

// system ids are name-based (v5) UUIDs of (cluster_id, namespace, release_name)
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SYSTEM_ID = '7b6f0f0e-6a2b-4c1e-9d7a-2f3c4b5a6d7e';
/** Registered in namespace 'nats' (the other one in the default namespace). */
const SYSTEM_ID_NATS = '0f3e2d1c-5b4a-4978-8a6b-5c4d3e2f1a0b';
const TEMPORAL_UI = 'http://temporal-ui.local:8233';

interface ApiBody {
  success: boolean;
  error?: string;
  system_id?: string;
  workflow_id?: string;
  workflow_url?: string;
  details?: unknown;
}
const bodyOf = (res: { body: unknown }): ApiBody => res.body as ApiBody;

/** Records every call; answers with the canned outcome (or throws) set per verb. */
class FakeOperations implements ExchangeOperations {
  deployCalls: DeployExchangeInput[] = [];
  updateCalls: UpdateExchangeInput[] = [];
  removeCalls: RemoveExchangeInput[] = [];
  deployOutcome?: Outcome<DeployExchangeResult> | Error;
  updateOutcome?: Outcome<UpdateExchangeResult> | Error;
  removeOutcome?: Outcome<RemoveExchangeResult> | Error;

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

function setup() {
  const ops = new FakeOperations();
  // PUT and DELETE act only on exchanges the registry holds (ownership: tenancy.test.ts)
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
  });
  return { ops, app };
}

const seedBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kubeconfig: multiContextKubeconfig(),
  helm_values: { 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '5Gi', 'config.cluster.replicas': 3 },
  release_name: 'r',
  org_ids: 'org1,org2',
  cluster_id: 'cluster-1',
  name: 'Exchange R',
  ...over,
});
const updateBody = (over: Record<string, unknown> = {}) => ({ kubeconfig: multiContextKubeconfig(), release_name: 'r', helm_values: { 'config.cluster.replicas': 5 }, ...over });
const removeBody = (over: Record<string, unknown> = {}) => ({ kubeconfig: multiContextKubeconfig(), release_name: 'r', ...over });

const failure = (status: number, type: string, error: string): OperationFailure => ({ ok: false, status, type, error, workflowId: `exchange-${SYSTEM_ID}`, runId: 'run-x' });

describe('POST /exchange', () => {
  it('the seed body deploys and answers in the seed shape', async () => {
    const { app } = setup();
    const res = await request(app).post('/exchange').send(seedBody()).expect(200);
    expect(res.body).toMatchObject({ success: true, release_name: 'r', namespace: 'communication', public_url: 'https://edge.example.com/nats/r', revision: 1 });
    expect(bodyOf(res).system_id).toMatch(UUID_RE);
    expect(bodyOf(res).workflow_id).toBe(`exchange-${bodyOf(res).system_id}`);
    expect(bodyOf(res).workflow_url).toBe(`${TEMPORAL_UI}/namespaces/default/workflows/exchange-${bodyOf(res).system_id}`);
    expect(res.headers['content-type']).toMatch(/application\/json/);
  });

  it('the workflow receives a minimal kubeconfig, expanded helm values and the parsed fields', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').send(seedBody({ metadata: { tier: 'gold' } })).expect(200);
    expect(ops.deployCalls).toHaveLength(1);
    const input = ops.deployCalls[0] as DeployExchangeInput;
    expect(input.systemId).toBe(bodyOf(res).system_id);
    expect(input.kubeconfig).toEqual(resolveKubeconfig(multiContextKubeconfig()).minimal);
    expect(input.kubeconfig.clusters).toEqual([{ name: 'edge', cluster: { server: 'https://edge.example.com' } }]);
    expect(JSON.stringify(input.kubeconfig)).not.toContain('dev-token');
    expect(input.helmValues).toEqual({ config: { jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } }, cluster: { replicas: 3 } } });
    expect(input).toMatchObject({ releaseName: 'r', namespace: 'communication', orgIds: ['org1', 'org2'], clusterId: 'cluster-1', name: 'Exchange R', metadata: { tier: 'gold' } });
  });

  it('one release on one cluster always gets the same system id; another release or cluster a different one', async () => {
    const { app, ops } = setup();
    await request(app).post('/exchange').send(seedBody()).expect(200);
    await request(app).post('/exchange').send(seedBody()).expect(200);
    await request(app).post('/exchange').send({ ...seedBody(), release_name: 'r2' }).expect(200);
    await request(app).post('/exchange').send({ ...seedBody(), cluster_id: 'cluster-2' }).expect(200);
    const ids = ops.deployCalls.map((c) => c.systemId);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });

  it.each<[string, OperationFailure]>([
    ['a release that already exists answers 409', failure(409, FailureType.deployFailed, "release 'r' already exists")],
    ['a chart rejection answers 422', failure(422, FailureType.deployFailed, 'helm rejected the chart')],
    ['a failed registration answers 502', failure(502, FailureType.registrationFailed, 'registry unreachable')],
    ['a busy exchange answers 409', failure(409, 'OperationInProgress', 'Exchange is busy')],
  ])('%s with success:false and the error', async (_name, outcome) => {
    const { app, ops } = setup();
    ops.deployOutcome = outcome;
    const res = await request(app).post('/exchange').send(seedBody()).expect(outcome.status);
    expect(res.body).toMatchObject({ success: false, error: outcome.error, error_type: outcome.type, release_name: 'r', namespace: 'communication', workflow_id: outcome.workflowId });
    expect(bodyOf(res).system_id).toBe(ops.deployCalls[0]?.systemId);
  });
});

describe('PUT /exchange/:system_id', () => {
  it('updates and answers with the seed message', async () => {
    const { app, ops } = setup();
    const res = await request(app).put(`/exchange/${SYSTEM_ID}`).send(updateBody()).expect(200);
    expect(res.body).toMatchObject({ success: true, message: "Exchange 'r' updated successfully", system_id: SYSTEM_ID, revision: 2 });
    expect(ops.updateCalls).toEqual([
      { systemId: SYSTEM_ID, kubeconfig: resolveKubeconfig(multiContextKubeconfig()).minimal, releaseName: 'r', namespace: 'communication', helmValues: { config: { cluster: { replicas: 5 } } } },
    ]);
  });

  it('a release that is gone answers 404', async () => {
    const { app, ops } = setup();
    ops.updateOutcome = failure(404, FailureType.updateFailed, "release 'r' not found");
    const res = await request(app).put(`/exchange/${SYSTEM_ID}`).send(updateBody()).expect(404);
    expect(res.body).toMatchObject({ success: false, error: "release 'r' not found", system_id: SYSTEM_ID, release_name: 'r' });
  });
});

describe('DELETE /exchange/:system_id', () => {
  it('removes and answers with the seed message', async () => {
    const { app, ops } = setup();
    const res = await request(app).delete(`/exchange/${SYSTEM_ID_NATS}`).send(removeBody({ namespace: 'nats' })).expect(200);
    expect(res.body).toMatchObject({ success: true, message: "Exchange 'r' removed from cluster and DB", system_id: SYSTEM_ID_NATS, release_uninstalled: true, record_deleted: true });
    expect(ops.removeCalls).toEqual([{ systemId: SYSTEM_ID_NATS, kubeconfig: resolveKubeconfig(multiContextKubeconfig()).minimal, releaseName: 'r', namespace: 'nats', deleteData: false }]);
  });
});

describe('request validation', () => {
  it('invalid JSON answers 400 without calling the workflow or echoing the body', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Content-Type', 'application/json').send(`{"kubeconfig": {"token": "${FAKE_TOKEN}"`).expect(400);
    expect(res.body).toEqual({ success: false, error: 'Request body is not valid JSON' });
    expect(JSON.stringify(res.body)).not.toContain(FAKE_TOKEN);
    expect(ops.calls).toBe(0);
  });

  it('a text/plain body answers 415', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Content-Type', 'text/plain').send('release_name=r').expect(415);
    expect(res.body).toEqual({ success: false, error: 'Content-Type must be application/json' });
    expect(ops.calls).toBe(0);
  });

  it.each<[string, string, () => request.Test]>([
    ['PUT', 'an invalid system_id', () => request(setup().app).put('/exchange/not-a-uuid').send(updateBody())],
    ['DELETE', 'an invalid system_id', () => request(setup().app).delete('/exchange/123').send(removeBody())],
  ])('%s with %s answers 400 naming params.system_id', async (_verb, _what, send) => {
    const res = await send().expect(400);
    expect(bodyOf(res).success).toBe(false);
    expect(bodyOf(res).error).toContain('params.system_id');
    expect(bodyOf(res).details).toEqual([{ field: 'params.system_id', reason: 'must be a UUID' }]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['an exec kubeconfig', { kubeconfig: kubeconfigWithUser({ exec: { command: 'aws' } }) }, 'kubeconfig.users[0].user.exec', 'credential plugins are not allowed (they run commands on the worker)'],
    ['a 54-character release name', { release_name: 'a'.repeat(54) }, 'release_name', 'must be at most 53 characters'],
    ['a numeric release name', { release_name: 7 }, 'release_name', 'must be a string'],
    ['a missing cluster_id', { cluster_id: undefined }, 'cluster_id', 'is required'],
    ['conflicting helm values', { helm_values: { a: 1, 'a.b': 2 } }, 'helm_values.a.b', "conflicts with a non-object value set for 'a'"],
    ['an unknown field', { replicas: 3 }, 'body', 'unknown field(s): replicas'],
  ])('%s answers 400 naming the field', async (_name, over, field, reason) => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').send(seedBody(over)).expect(400);
    expect(res.body).toMatchObject({ success: false, error: `Invalid request: ${field} ${reason}` });
    expect(bodyOf(res).details).toContainEqual({ field, reason });
    expect(ops.calls).toBe(0);
  });

  it.each<[string, string]>([
    ['a JSON array body', '[]'],
    ['a JSON null body', 'null'],
  ])('%s answers 400', async (_name, raw) => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Content-Type', 'application/json').send(raw).expect(400);
    expect(bodyOf(res).success).toBe(false);
    expect(ops.calls).toBe(0);
  });

  it('a POST without a body answers 400 "body must be a JSON object"', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').expect(400);
    expect(res.body).toMatchObject({ success: false, details: [{ field: 'body', reason: 'must be a JSON object' }] });
    expect(ops.calls).toBe(0);
  });
});

describe('routing and unexpected errors', () => {
  it.each<[string, () => request.Test]>([
    ['an unknown path', () => request(setup().app).get('/nope')],
    ['POST with a system id', () => request(setup().app).post(`/exchange/${SYSTEM_ID}`).send(seedBody())],
  ])('%s answers 404 in the error envelope', async (_name, send) => {
    const res = await send().expect(404);
    expect(bodyOf(res).success).toBe(false);
    expect(bodyOf(res).error).toMatch(/^No route for /);
  });

  it('GET /healthz answers ok', async () => {
    await request(setup().app).get('/healthz').expect(200, { status: 'ok' });
  });

  type App = ReturnType<typeof setup>['app'];
  it.each<[string, 'deploy' | 'update' | 'remove', (app: App) => request.Test]>([
    ['POST', 'deploy', (app) => request(app).post('/exchange').send(seedBody())],
    ['PUT', 'update', (app) => request(app).put(`/exchange/${SYSTEM_ID}`).send(updateBody())],
    ['DELETE', 'remove', (app) => request(app).delete(`/exchange/${SYSTEM_ID}`).send(removeBody())],
  ])('%s whose operation throws a generic error answers 500 without details', async (_verb, verb, send) => {
    const { app, ops } = setup();
    ops[`${verb}Outcome`] = new Error('boom: secret internal detail');
    const res = await send(app).expect(500);
    expect(res.body).toEqual({ success: false, error: 'Internal error' });
    expect(res.text).not.toMatch(/boom|secret|\bat \S+ \(|\.ts:\d+/);
  });

  it('an operation that cannot reach Temporal answers 503', async () => {
    const { app, ops } = setup();
    ops.deployOutcome = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { name: 'ServiceError' });
    const res = await request(app).post('/exchange').send(seedBody()).expect(503);
    expect(bodyOf(res).success).toBe(false);
    expect(res.text).not.toContain('No connection established');
  });
});
