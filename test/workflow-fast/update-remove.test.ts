// updateExchange and removeExchange with mocked activities: success, each failure and its shape, the readiness
// signal, and cancellation, which ends them as cancelled (like a deploy), not as UpdateFailed / RemoveFailed.
import { progressQuery } from '../../workflows/progress.js';
import { removeExchange } from '../../workflows/remove-exchange.js';
import { FailureType, type RemoveExchangeInput, type UpdateExchangeInput } from '../../workflows/shared.js';
import { updateExchange } from '../../workflows/update-exchange.js';
import { exchangeIds, removeInput, startFastEnv, until, updateInput, type FastEnv } from './support/harness.js';
import { fail, Gate, reportReadiness, type Script } from './support/mock-activities.js';
import { applicationFailure, expectCancelled } from './support/outcomes.js';

describe('updateExchange and removeExchange', () => {
  let env: FastEnv;
  beforeAll(async () => {
    env = await startFastEnv('update-remove');
  });
  afterAll(async () => {
    await env?.close();
  });

  async function update(label: string, script: Script = {}, overrides: Partial<UpdateExchangeInput> = {}) {
    const { systemId, workflowId } = exchangeIds(label);
    env.mocks.script(workflowId, script);
    const input = updateInput(systemId, overrides);
    const handle = await env.client.workflow.start(updateExchange, { taskQueue: env.taskQueue, workflowId, args: [input] });
    return { handle, input, outcomes: () => env.mocks.callsOf(workflowId).map((c) => `${c.name}:${c.outcome}`), calls: () => env.mocks.callsOf(workflowId) };
  }

  async function remove(label: string, script: Script = {}, overrides: Partial<RemoveExchangeInput> = {}) {
    const { systemId, workflowId } = exchangeIds(label);
    env.mocks.script(workflowId, script);
    const input = removeInput(systemId, overrides);
    const handle = await env.client.workflow.start(removeExchange, { taskQueue: env.taskQueue, workflowId, args: [input] });
    return { handle, input, outcomes: () => env.mocks.callsOf(workflowId).map((c) => `${c.name}:${c.outcome}`), calls: () => env.mocks.callsOf(workflowId) };
  }

  describe('updateExchange', () => {
    it('upgrades (never installs) with the new overrides and answers the revision', async () => {
      const { handle, input, calls } = await update('update-ok');
      expect(await handle.result()).toEqual({ systemId: input.systemId, releaseName: 'nats-fast', namespace: 'communication', revision: 2, implied: [] });
      expect(calls().map((c) => [c.name, c.input])).toEqual([
        ['helmUpgrade', { release: { kubeconfig: input.kubeconfig, releaseName: 'nats-fast', namespace: 'communication' }, helmValues: input.helmValues }],
      ]);
      expect(await handle.query(progressQuery)).toEqual({ operation: 'update', step: 'done', status: 'succeeded', attempts: { 'helm-upgrade': 1 }, lastError: null, detail: null });
    });

    it.each([FailureType.releaseNotFound, FailureType.immutableField, FailureType.helmRejected])('fails with UpdateFailed naming the cause (%s)', async (type) => {
      const { handle } = await update(`update-${type}`, { helmUpgrade: () => fail(type, `upgrade said ${type}`) });
      const failure = await applicationFailure(handle);
      expect(failure.type).toBe(FailureType.updateFailed);
      expect(failure.message).toBe(`Helm upgrade failed for release 'nats-fast': upgrade said ${type}`);
      expect(failure.details?.[0]).toEqual({ step: 'helm-upgrade', causeType: type });
      expect(await handle.query(progressQuery)).toMatchObject({ step: 'helm-upgrade', status: 'failed', lastError: `upgrade said ${type}` });
    });

    it('the readiness signal sets the progress detail while helm upgrades', async () => {
      const gate = new Gate();
      const { handle } = await update('update-readiness', {
        helmUpgrade: async () => {
          await reportReadiness('4/5 NATS pods ready');
          await gate.wait();
          return { revision: 7, status: 'deployed' };
        },
      });
      await gate.entered;
      const running = await until('the readiness detail', async () => {
        const p = await handle.query(progressQuery);
        return p.detail ? p : undefined;
      });
      expect(running).toMatchObject({ operation: 'update', step: 'helm-upgrade', status: 'running', detail: '4/5 NATS pods ready' });
      gate.open();
      expect(await handle.result()).toMatchObject({ revision: 7 });
    });

    it('cancelled during helm upgrade: the upgrade is cancelled and the workflow ends cancelled, not UpdateFailed', async () => {
      const gate = new Gate();
      const { handle, outcomes } = await update('update-cancel', {
        helmUpgrade: async () => {
          await gate.wait();
          return { revision: 2, status: 'deployed' };
        },
      });
      await gate.entered;
      await handle.cancel();
      await expectCancelled(handle);
      expect(outcomes()).toEqual(['helmUpgrade:cancelled']);
      expect(await handle.query(progressQuery)).toMatchObject({ step: 'helm-upgrade', status: 'failed' });
    });
  });

  describe('removeExchange', () => {
    it('uninstalls (keeping the volumes by default), then deregisters', async () => {
      const { handle, input, calls } = await remove('remove-ok');
      expect(await handle.result()).toEqual({
        systemId: input.systemId,
        releaseName: 'nats-fast',
        namespace: 'communication',
        releaseUninstalled: true,
        recordDeleted: true,
        volumes: { action: 'kept', claims: [] },
      });
      expect(calls().map((c) => [c.name, c.input])).toEqual([
        ['helmUninstall', { kubeconfig: input.kubeconfig, releaseName: 'nats-fast', namespace: 'communication', deleteData: false }],
        ['deregisterBackbone', input.systemId],
      ]);
      expect(await handle.query(progressQuery)).toMatchObject({ operation: 'remove', step: 'done', status: 'succeeded', attempts: { 'helm-uninstall': 1, deregister: 1 } });
    });

    it('with deleteData, asks the uninstall to delete the volumes and reports them', async () => {
      const { handle, calls } = await remove(
        'remove-data',
        { helmUninstall: () => Promise.resolve({ uninstalled: true, volumes: { action: 'deleted', claims: ['data-nats-fast-0'] } }) },
        { deleteData: true },
      );
      expect(await handle.result()).toMatchObject({ volumes: { action: 'deleted', claims: ['data-nats-fast-0'] } });
      expect(calls()[0]?.input).toMatchObject({ deleteData: true });
    });

    it('a release and record that are already gone is success (a repeated DELETE converges)', async () => {
      const { handle } = await remove('remove-gone', {
        helmUninstall: () => Promise.resolve({ uninstalled: false, volumes: { action: 'kept', claims: [] } }),
        deregisterBackbone: () => Promise.resolve({ deleted: false }),
      });
      expect(await handle.result()).toMatchObject({ releaseUninstalled: false, recordDeleted: false });
    });

    it('fails at helm-uninstall with RemoveFailed and keeps the record (the exchange stays discoverable)', async () => {
      const { handle, outcomes } = await remove('remove-helm-fails', { helmUninstall: () => fail(FailureType.helmUnauthorized, 'uninstall refused (HTTP 401)') });
      const failure = await applicationFailure(handle);
      expect(failure.type).toBe(FailureType.removeFailed);
      expect(failure.message).toBe("Removal of exchange 'nats-fast' failed at helm-uninstall: uninstall refused (HTTP 401)");
      expect(failure.details?.[0]).toEqual({ step: 'helm-uninstall', causeType: FailureType.helmUnauthorized });
      expect(outcomes()).toEqual(['helmUninstall:failed']);
    });

    it('fails at deregister with RemoveFailed when the registry refuses', async () => {
      const { handle } = await remove('remove-registry-fails', { deregisterBackbone: () => fail(FailureType.registryRejected, 'registry said 400') });
      const failure = await applicationFailure(handle);
      expect(failure.type).toBe(FailureType.removeFailed);
      expect(failure.message).toBe("Removal of exchange 'nats-fast' failed at deregister: registry said 400");
      expect(failure.details?.[0]).toEqual({ step: 'deregister', causeType: FailureType.registryRejected });
      expect(await handle.query(progressQuery)).toMatchObject({ step: 'deregister', status: 'failed' });
    });

    it('cancelled during helm uninstall: ends cancelled, not RemoveFailed, and does not deregister', async () => {
      const gate = new Gate();
      const { handle, outcomes } = await remove('remove-cancel-helm', {
        helmUninstall: async () => {
          await gate.wait();
          return { uninstalled: true, volumes: { action: 'kept', claims: [] } };
        },
      });
      await gate.entered;
      await handle.cancel();
      await expectCancelled(handle);
      expect(outcomes()).toEqual(['helmUninstall:cancelled']);
    });

    it('cancelled during deregister: ends cancelled, not RemoveFailed', async () => {
      const gate = new Gate();
      const { handle, outcomes } = await remove('remove-cancel-registry', {
        deregisterBackbone: async () => {
          await gate.wait();
          return { deleted: true };
        },
      });
      await gate.entered;
      await handle.cancel();
      await expectCancelled(handle);
      expect(outcomes()).not.toContain('deregisterBackbone:completed');
      expect(await handle.query(progressQuery)).toMatchObject({ step: 'deregister', status: 'failed' });
    });
  });
});
