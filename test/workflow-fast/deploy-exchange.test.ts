// deployExchange's saga on a real Temporal server with mocked activities: the happy path, a release that already
// exists, a final failure at each step with the compensation it triggers (or not), a compensation that fails
// itself, registry retries, and the readiness signal reaching the `progress` query.
import { deployExchange } from '../../workflows/deploy-exchange.js';
import { progressQuery } from '../../workflows/progress.js';
import { FailureType, SearchAttr } from '../../workflows/shared.js';
import { deployInput, exchangeIds, startFastEnv, until, type FastEnv } from './support/harness.js';
import { announceHelmStarted, fail, failRetryably, Gate, reportReadiness, type Script } from './support/mock-activities.js';
import { applicationFailure } from './support/outcomes.js';

describe('deployExchange', () => {
  let env: FastEnv;
  beforeAll(async () => {
    env = await startFastEnv('deploy');
  });
  afterAll(async () => {
    await env?.close();
  });

  async function deploy(label: string, script: Script = {}) {
    const { systemId, workflowId } = exchangeIds(label);
    env.mocks.script(workflowId, script);
    const input = deployInput(systemId);
    const handle = await env.client.workflow.start(deployExchange, { taskQueue: env.taskQueue, workflowId, args: [input] });
    return { handle, input, workflowId };
  }

  it('installs (the release check and public URL inside) and registers; progress ends succeeded at done', async () => {
    const { handle, input, workflowId } = await deploy('ok');
    expect(await handle.result()).toEqual({
      systemId: input.systemId,
      releaseName: 'nats-fast',
      namespace: 'communication',
      publicUrl: 'https://cluster.example/nats/nats-fast',
      revision: 1,
      implied: [],
    });
    expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange', 'registerBackbone']);
    const [install, register] = env.mocks.callsOf(workflowId);
    expect(install?.input).toEqual({
      release: { kubeconfig: input.kubeconfig, releaseName: 'nats-fast', namespace: 'communication' },
      helmValues: input.helmValues,
      systemId: input.systemId,
      clusterId: 'fake-cluster',
    });
    expect(register?.input).toMatchObject({
      system_id: input.systemId,
      name: input.name,
      release_name: 'nats-fast',
      namespace: 'communication',
      cluster_id: 'fake-cluster',
      org_ids: ['org001'],
      public_url: 'https://cluster.example/nats/nats-fast',
      metadata: { team: 'infra' },
    });
    expect(await handle.query(progressQuery)).toEqual({
      operation: 'deploy',
      step: 'done',
      status: 'succeeded',
      attempts: { 'helm-install': 1, register: 1 },
      lastError: null,
      detail: null,
    });
    // the Web UI filters on it
    expect((await handle.describe()).typedSearchAttributes.get(SearchAttr.status)).toBe('succeeded');
  });

  it.each([
    ['deployed', '(status deployed)'],
    ['failed', '(status failed)'],
  ])('refuses a release that already exists (status %s) and leaves it alone', async (status, shown) => {
    const message = `Release 'nats-fast' already exists in namespace 'communication' ${shown}`;
    const { handle, workflowId } = await deploy(`exists-${status}`, { helmInstallExchange: () => fail(FailureType.releaseAlreadyExists, message) });
    const failure = await applicationFailure(handle);
    expect(failure.type).toBe(FailureType.releaseAlreadyExists);
    expect(failure.message).toBe(message);
    // never adopted, never uninstalled
    expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange']);
    expect(await handle.query(progressQuery)).toMatchObject({ step: 'helm-install', status: 'failed' });
  });

  it('helm started, then the cluster refused the credentials: the undo runs, guarded by the exchange id', async () => {
    const { handle, input, workflowId } = await deploy('status-fails', {
      helmInstallExchange: async () => {
        await announceHelmStarted();
        return fail(FailureType.helmUnauthorized, 'the cluster refused the credentials (HTTP 401)');
      },
    });
    const failure = await applicationFailure(handle);
    expect(failure.type).toBe(FailureType.deployFailed);
    expect(failure.message).toBe("Deployment of exchange 'nats-fast' failed at helm-install: the cluster refused the credentials (HTTP 401); release 'nats-fast' was uninstalled");
    expect(failure.details?.[0]).toEqual({ step: 'helm-install', causeType: FailureType.helmUnauthorized, compensated: ['helm-uninstall'], compensationErrors: [] });
    expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange', 'helmUninstall']);
    expect(env.mocks.callsOf(workflowId)[1]?.input).toMatchObject({ ownedBy: input.systemId });
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'failed', lastError: 'the cluster refused the credentials (HTTP 401)' });
  });

  it('an install that failed before helm ran (no helm-started signal) is not compensated: nothing of ours is there', async () => {
    const { handle, workflowId } = await deploy('not-installed', {
      helmInstallExchange: () => fail(FailureType.helmUnavailable, 'reading release nats-fast: no answer within 10000 ms'),
    });
    const failure = await applicationFailure(handle);
    expect(failure.type).toBe(FailureType.deployFailed);
    expect(failure.message).toBe("Deployment of exchange 'nats-fast' failed at helm-install: reading release nats-fast: no answer within 10000 ms");
    expect(failure.details?.[0]).toEqual({ step: 'helm-install', causeType: FailureType.helmUnavailable, compensated: [], compensationErrors: [] });
    expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange']);
  });

  it.each([FailureType.helmRejected, FailureType.helmNotReady, FailureType.invalidValues])(
    'when helm install fails with %s, uninstalls (keeping claims older than the release) and fails with DeployFailed',
    async (type) => {
      const { handle, input, workflowId } = await deploy(`install-${type}`, {
        helmInstallExchange: async () => {
          await announceHelmStarted();
          return fail(type, `install said ${type}`);
        },
      });
      const failure = await applicationFailure(handle);
      expect(failure.type).toBe(FailureType.deployFailed);
      expect(failure.message).toBe(`Deployment of exchange 'nats-fast' failed at helm-install: install said ${type}; release 'nats-fast' was uninstalled`);
      expect(failure.details?.[0]).toEqual({ step: 'helm-install', causeType: type, compensated: ['helm-uninstall'], compensationErrors: [] });
      expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange', 'helmUninstall']);
      expect(env.mocks.callsOf(workflowId)[1]?.input).toEqual({
        kubeconfig: input.kubeconfig,
        releaseName: 'nats-fast',
        namespace: 'communication',
        deleteData: true,
        keepOlderClaims: true,
        ownedBy: input.systemId,
      });
      expect(await handle.query(progressQuery)).toMatchObject({ step: 'helm-uninstall', status: 'failed', attempts: { 'helm-install': 1, 'helm-uninstall': 1 } });
    },
  );

  it('when the public URL cannot be derived, the install fails before helm runs: no undo', async () => {
    const { handle, workflowId } = await deploy('url-fails', { helmInstallExchange: () => fail(FailureType.invalidKubeconfig, 'server URL missing') });
    const failure = await applicationFailure(handle);
    expect(failure.type).toBe(FailureType.deployFailed);
    expect(failure.message).toBe("Deployment of exchange 'nats-fast' failed at helm-install: server URL missing");
    expect(failure.details?.[0]).toMatchObject({ step: 'helm-install', causeType: FailureType.invalidKubeconfig, compensated: [] });
    expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange']);
  });

  it('helm started but the guarded undo finds no release of this exchange: the answer says so', async () => {
    const { handle, workflowId } = await deploy('undo-finds-nothing', {
      helmInstallExchange: async () => {
        await announceHelmStarted();
        return fail(FailureType.helmRejected, 'helm refused the chart');
      },
      helmUninstall: () => Promise.resolve({ uninstalled: false, volumes: { action: 'kept', claims: [] } }),
    });
    const failure = await applicationFailure(handle);
    expect(failure.message).toBe("Deployment of exchange 'nats-fast' failed at helm-install: helm refused the chart; no release of this exchange was found to uninstall");
    expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange', 'helmUninstall']);
  });

  it.each([FailureType.registryConflict, FailureType.registryRejected, FailureType.registryUnavailable])(
    'when registration fails for good (%s), uninstalls and fails with RegistrationFailed',
    async (type) => {
      const { handle, workflowId } = await deploy(`register-${type}`, { registerBackbone: () => fail(type, `registry register failed: ${type}`) });
      const failure = await applicationFailure(handle);
      expect(failure.type).toBe(FailureType.registrationFailed);
      expect(failure.message).toBe(
        `Registration of exchange 'nats-fast' in the Backbone Registry failed: registry register failed: ${type}; release 'nats-fast' was uninstalled`,
      );
      expect(failure.details?.[0]).toEqual({ step: 'register', causeType: type, compensated: ['helm-uninstall'], compensationErrors: [] });
      expect(env.mocks.names(workflowId)).toEqual(['helmInstallExchange', 'registerBackbone', 'helmUninstall']);
      expect(await handle.query(progressQuery)).toMatchObject({ status: 'failed', lastError: `registry register failed: ${type}` });
    },
  );

  it('a registry unavailable for a while: one local attempt, then the queued activity retries (1 s backoff) until it succeeds', async () => {
    let attempts = 0;
    const { handle, workflowId } = await deploy('register-retry', {
      registerBackbone: (rec) => (++attempts < 3 ? failRetryably(FailureType.registryUnavailable, 'HTTP 503') : Promise.resolve({ ...rec, created_at: 'now' })),
    });
    expect(await handle.result()).toMatchObject({ revision: 1 });
    // the local attempt (1), then the regular activity's attempts 1 and 2
    expect(env.mocks.callsOf(workflowId).filter((c) => c.name === 'registerBackbone').map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'failed'],
      [1, 'failed'],
      [2, 'completed'],
    ]);
    // Temporal's retries are one workflow step: the progress counts steps, not attempts
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'succeeded', attempts: { register: 1 }, lastError: null });
  });

  it('when the compensation fails too, says the release may remain and why', async () => {
    const { handle } = await deploy('undo-fails', {
      registerBackbone: () => fail(FailureType.registryRejected, 'registry said 400'),
      helmUninstall: () => fail(FailureType.helmUnauthorized, 'uninstall refused (HTTP 403)'),
    });
    const failure = await applicationFailure(handle);
    expect(failure.type).toBe(FailureType.registrationFailed);
    expect(failure.message).toBe(
      "Registration of exchange 'nats-fast' in the Backbone Registry failed: registry said 400; cleanup FAILED, release may remain: helm-uninstall: uninstall refused (HTTP 403)",
    );
    expect(failure.details?.[0]).toEqual({
      step: 'register',
      causeType: FailureType.registryRejected,
      compensated: [],
      compensationErrors: ['helm-uninstall: uninstall refused (HTTP 403)'],
    });
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'failed', step: 'helm-uninstall', lastError: 'uninstall refused (HTTP 403)' });
  });

  it('the readiness signal sets the progress detail of the running step; the next step clears it', async () => {
    const gate = new Gate();
    const { handle } = await deploy('readiness', {
      helmInstallExchange: async () => {
        await reportReadiness('0/3 NATS pods ready');
        await reportReadiness('2/3 NATS pods ready');
        await gate.wait();
        return { revision: 1, status: 'deployed', publicUrl: 'https://cluster.example/nats/nats-fast' };
      },
    });
    await gate.entered;
    const running = await until('the readiness detail', async () => {
      const p = await handle.query(progressQuery);
      return p.detail === '2/3 NATS pods ready' ? p : undefined;
    });
    expect(running).toMatchObject({ operation: 'deploy', step: 'helm-install', status: 'running' });
    gate.open();
    await handle.result();
    expect(await handle.query(progressQuery)).toMatchObject({ step: 'done', status: 'succeeded', detail: null });
  });
});
