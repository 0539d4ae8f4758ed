// rollbackExchange, previewExchange and exchangeRevisions with mocked activities: one activity each, the shapes
// of success and failure the API maps, the rollback's progress, and a preview that runs beside a running change.
import { exchangeRevisions } from '../../workflows/exchange-revisions.js';
import { previewExchange } from '../../workflows/preview-exchange.js';
import { progressQuery } from '../../workflows/progress.js';
import { rollbackExchange } from '../../workflows/rollback-exchange.js';
import { FailureType, type PreviewExchangeInput, type RollbackExchangeInput } from '../../workflows/shared.js';
import { exchangeIds, fakeKubeconfig, startFastEnv, type FastEnv } from './support/harness.js';
import { fail, Gate, type Script } from './support/mock-activities.js';
import { applicationFailure, expectCancelled } from './support/outcomes.js';

describe('rollbackExchange, previewExchange and exchangeRevisions', () => {
  let env: FastEnv;
  beforeAll(async () => {
    env = await startFastEnv('preview-rollback');
  });
  afterAll(async () => {
    await env?.close();
  });

  const release = { kubeconfig: fakeKubeconfig, releaseName: 'nats-fast', namespace: 'communication' };

  async function rollback(label: string, script: Script = {}) {
    const { systemId, workflowId } = exchangeIds(label);
    env.mocks.script(workflowId, script);
    const input: RollbackExchangeInput = { systemId, ...release, revision: 1 };
    const handle = await env.client.workflow.start(rollbackExchange, { taskQueue: env.taskQueue, workflowId, args: [input] });
    return { handle, input, calls: () => env.mocks.callsOf(workflowId) };
  }

  async function preview(label: string, script: Script = {}) {
    const { systemId } = exchangeIds(label);
    const workflowId = `preview-${systemId}-1`;
    env.mocks.script(workflowId, script);
    const input: PreviewExchangeInput = { systemId, ...release, helmValues: { config: { cluster: { enabled: true } } }, mode: 'upgrade', manifests: false };
    const handle = await env.client.workflow.start(previewExchange, { taskQueue: env.taskQueue, workflowId, args: [input] });
    return { handle, input, calls: () => env.mocks.callsOf(workflowId) };
  }

  it('rollback: one helmRollback with the revision, answering the revision it made', async () => {
    const { handle, input, calls } = await rollback('rb-ok');
    expect(await handle.result()).toEqual({ systemId: input.systemId, releaseName: 'nats-fast', namespace: 'communication', revision: 3, restoredRevision: 1 });
    expect(calls().map((c) => [c.name, c.input])).toEqual([['helmRollback', { ...release, revision: 1 }]]);
    expect(await handle.query(progressQuery)).toEqual({ operation: 'rollback', step: 'done', status: 'succeeded', attempts: { 'helm-rollback': 1 }, lastError: null, detail: null });
  });

  it.each([FailureType.valuesPolicy, FailureType.immutableField, FailureType.revisionNotFound, FailureType.releaseNotFound])(
    'rollback fails with RollbackFailed naming the cause (%s), without retrying it',
    async (type) => {
      const { handle, calls } = await rollback(`rb-${type}`, { helmRollback: () => fail(type, `rollback said ${type}`) });
      const failure = await applicationFailure(handle);
      expect(failure.type).toBe(FailureType.rollbackFailed);
      expect(failure.message).toBe(`Helm rollback failed for release 'nats-fast': rollback said ${type}`);
      expect(failure.details?.[0]).toEqual({ step: 'helm-rollback', causeType: type });
      expect(calls()).toHaveLength(1);
      expect(await handle.query(progressQuery)).toMatchObject({ operation: 'rollback', step: 'helm-rollback', status: 'failed' });
    },
  );

  it('a cancelled rollback ends cancelled, not RollbackFailed', async () => {
    const gate = new Gate();
    const { handle, calls } = await rollback('rb-cancel', {
      helmRollback: async () => {
        await gate.wait();
        return { revision: 3, status: 'deployed', restoredRevision: 1 };
      },
    });
    await gate.entered;
    await handle.cancel();
    await expectCancelled(handle);
    expect(calls().map((c) => c.outcome)).toEqual(['cancelled']);
  });

  it('preview: one helmPreview, its result unchanged; a failure is PreviewFailed naming the cause', async () => {
    const ok = await preview('pv-ok');
    expect(await ok.handle.result()).toMatchObject({ systemId: ok.input.systemId, mode: 'upgrade', refused: [] });
    expect(ok.calls().map((c) => [c.name, c.input])).toEqual([['helmPreview', ok.input]]);

    const bad = await preview('pv-bad', { helmPreview: () => fail(FailureType.releaseNotFound, "Release 'nats-fast' not found") });
    const failure = await applicationFailure(bad.handle);
    expect(failure.type).toBe(FailureType.previewFailed);
    expect(failure.message).toBe("Preview failed for release 'nats-fast': Release 'nats-fast' not found");
    expect(failure.details?.[0]).toEqual({ step: 'helm-preview', causeType: FailureType.releaseNotFound });
  });

  it('a preview runs while the exchange itself is busy (it takes no lock)', async () => {
    const gate = new Gate();
    const busy = await rollback('rb-busy', {
      helmRollback: async () => {
        await gate.wait();
        return { revision: 3, status: 'deployed', restoredRevision: 1 };
      },
    });
    await gate.entered;
    const systemId = busy.input.systemId;
    const workflowId = `preview-${systemId}-beside`;
    const input: PreviewExchangeInput = { systemId, ...release, helmValues: {}, mode: 'upgrade', manifests: false };
    const result = await env.client.workflow.execute(previewExchange, { taskQueue: env.taskQueue, workflowId, args: [input] });
    expect(result).toMatchObject({ systemId });
    gate.open();
    await busy.handle.result();
  });

  it('revisions: one helmRevisions, wrapped with the exchange', async () => {
    const { systemId } = exchangeIds('revs');
    const workflowId = `revisions-${systemId}-1`;
    const revision = { revision: 1, status: 'deployed', chartVersion: '2.14.2', appVersion: '2.14.2', time: '2025-01-01T00:00:00Z', description: 'Install complete', valuesDigest: 'd' };
    env.mocks.script(workflowId, { helmRevisions: () => Promise.resolve([revision]) });
    const result = await env.client.workflow.execute(exchangeRevisions, { taskQueue: env.taskQueue, workflowId, args: [{ systemId, ...release }] });
    expect(result).toEqual({ systemId, releaseName: 'nats-fast', namespace: 'communication', revisions: [revision] });
    expect(env.mocks.names(workflowId)).toEqual(['helmRevisions']);
  });
});
