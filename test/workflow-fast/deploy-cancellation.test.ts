// Cancelling a deploy: the compensation runs to the end
// (a cancellation arriving during it does not cut it short) and the workflow still ends as cancelled.
import { deployExchange } from '../../workflows/deploy-exchange.js';
import { progressQuery } from '../../workflows/progress.js';
import { FailureType } from '../../workflows/shared.js';
import { deployInput, exchangeIds, startFastEnv, type FastEnv } from './support/harness.js';
import { announceHelmStarted, fail, Gate, type Script } from './support/mock-activities.js';
import { applicationFailure, expectCancelled } from './support/outcomes.js';

describe('deployExchange cancelled', () => {
  let env: FastEnv;
  beforeAll(async () => {
    env = await startFastEnv('deploy-cancel');
  });
  afterAll(async () => {
    await env?.close();
  });

  async function deploy(label: string, script: Script) {
    const { systemId, workflowId } = exchangeIds(label);
    env.mocks.script(workflowId, script);
    const handle = await env.client.workflow.start(deployExchange, { taskQueue: env.taskQueue, workflowId, args: [deployInput(systemId)] });
    const outcomes = () => env.mocks.callsOf(workflowId).map((c) => `${c.name}:${c.outcome}`);
    return { handle, outcomes };
  }

  it('during helm install: the install is cancelled, the release uninstalled, and the workflow ends cancelled', async () => {
    const gate = new Gate();
    const { handle, outcomes } = await deploy('cancel-install', {
      helmInstallExchange: async () => {
        await announceHelmStarted();
        await gate.wait();
        return { revision: 1, status: 'deployed', publicUrl: 'https://cluster.example/nats/nats-fast' };
      },
    });
    await gate.entered;
    await handle.cancel();
    await expectCancelled(handle);
    expect(outcomes()).toEqual(['helmInstallExchange:cancelled', 'helmUninstall:completed']);
    expect(await handle.query(progressQuery)).toMatchObject({ step: 'helm-uninstall', status: 'failed', attempts: { 'helm-uninstall': 1 } });
  });

  it('during helm install, before helm ran (no helm-started signal): ends cancelled with nothing to undo', async () => {
    const gate = new Gate();
    const { handle, outcomes } = await deploy('cancel-before-helm', {
      helmInstallExchange: async () => {
        await gate.wait();
        return { revision: 1, status: 'deployed', publicUrl: 'https://cluster.example/nats/nats-fast' };
      },
    });
    await gate.entered;
    await handle.cancel();
    await expectCancelled(handle);
    expect(outcomes()).toEqual(['helmInstallExchange:cancelled']);
    expect(await handle.query(progressQuery)).toMatchObject({ step: 'helm-install', status: 'failed' });
  });

  it('during registration: the registry call is abandoned, the release uninstalled, and the workflow ends cancelled', async () => {
    const gate = new Gate();
    const { handle, outcomes } = await deploy('cancel-register', {
      registerBackbone: async (rec) => {
        await gate.wait();
        return { ...rec, created_at: 'now' };
      },
    });
    await gate.entered;
    await handle.cancel();
    await expectCancelled(handle);
    expect(outcomes()).toContain('helmUninstall:completed');
    expect(outcomes()).not.toContain('registerBackbone:completed');
  });

  it('a second cancellation during the compensation does not cut the uninstall short', async () => {
    const install = new Gate();
    const undo = new Gate();
    const { handle, outcomes } = await deploy('cancel-twice', {
      helmInstallExchange: async () => {
        await announceHelmStarted();
        await install.wait();
        return { revision: 1, status: 'deployed', publicUrl: 'https://cluster.example/nats/nats-fast' };
      },
      helmUninstall: async () => {
        await undo.wait();
        return { uninstalled: true, volumes: { action: 'deleted', claims: [] } };
      },
    });
    await install.entered;
    await handle.cancel();
    await undo.entered;
    // the server accepts one cancel request per run; what matters is that the uninstall is not cancelled
    await handle.cancel().catch(() => undefined);
    expect(await handle.query(progressQuery)).toMatchObject({ step: 'helm-uninstall', status: 'compensating' });
    undo.open();
    await expectCancelled(handle);
    expect(outcomes()).toEqual(['helmInstallExchange:cancelled', 'helmUninstall:completed']);
  });

  it('a cancellation during the compensation of a failed registration: the uninstall completes, the failure is reported', async () => {
    const undo = new Gate();
    const { handle, outcomes } = await deploy('cancel-in-undo', {
      registerBackbone: () => fail(FailureType.registryRejected, 'registry said 400'),
      helmUninstall: async () => {
        await undo.wait();
        return { uninstalled: true, volumes: { action: 'deleted', claims: [] } };
      },
    });
    await undo.entered;
    await handle.cancel();
    // give the cancellation time to reach the activity, were it cancellable
    await new Promise((r) => setTimeout(r, 300));
    undo.open();
    const failure = await applicationFailure(handle);
    expect(failure.type).toBe(FailureType.registrationFailed);
    expect(failure.details?.[0]).toMatchObject({ step: 'register', compensated: ['helm-uninstall'], compensationErrors: [] });
    expect(outcomes()).toEqual(['helmInstallExchange:completed', 'registerBackbone:failed', 'helmUninstall:completed']);
  });

  it('a cancellation during a compensation that then fails: ends cancelled, the undo error is logged', async () => {
    const install = new Gate();
    const { handle, outcomes } = await deploy('cancel-undo-fails', {
      helmInstallExchange: async () => {
        await announceHelmStarted();
        await install.wait();
        return { revision: 1, status: 'deployed', publicUrl: 'https://cluster.example/nats/nats-fast' };
      },
      helmUninstall: () => fail(FailureType.helmUnauthorized, 'uninstall refused (HTTP 403)'),
    });
    await install.entered;
    await handle.cancel();
    await expectCancelled(handle);
    expect(outcomes()).toEqual(['helmInstallExchange:cancelled', 'helmUninstall:failed']);
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'failed', lastError: 'uninstall refused (HTTP 403)' });
  });
});
