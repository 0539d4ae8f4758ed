// HTTP → API → Temporal → worker → helm → Kubernetes API server, all real: operations that outlast the request
// are answered 202 with a status URL, asked for (Prefer: respond-async) or not (SYNC_WAIT_SECONDS).
import axios from 'axios';
import { helmReleaseNames, testKubeconfig } from '../support/cluster.js';
import { NEVER_READY, uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

describe('asynchronous mode (Prefer: respond-async)', () => {
  let stack: Stack;
  beforeAll(async () => {
    // helm waits for pods that can never be scheduled (NEVER_READY), so the deploy runs until its helm timeout
    stack = await startStack({ helmWait: 'watcher', helmTimeoutSeconds: 8, syncWaitMs: 1500 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 202 with a status URL that reports running, then the outcome with its reason', async () => {
    const release = uniqueName('nats-async');
    const namespace = uniqueName('ns');
    const post = await http.post(
      `${stack.baseUrl}/exchange`,
      { kubeconfig: testKubeconfig(), helm_values: NEVER_READY, release_name: release, org_ids: 'org001', cluster_id: 'c1', name: 'async', namespace },
      { headers: { Prefer: 'respond-async' } },
    );
    expect(post.status).toBe(202);
    expect(post.headers['preference-applied']).toBe('respond-async');
    expect(post.data).toMatchObject({ success: true, status: 'running', system_id: expect.any(String), operation_id: expect.any(String) });
    expect(post.data.status_url).toBe(`/exchange/${post.data.system_id}/operations/${post.data.operation_id}`);
    expect(post.headers.location).toBe(post.data.status_url);

    const running = await eventually('the status to show helm-install', async () => {
      const r = await http.get(`${stack.baseUrl}${post.data.status_url}`);
      return r.data.step === 'helm-install' ? r : undefined;
    });
    expect(running.data).toMatchObject({ success: true, operation: 'deploy', status: 'running', step: 'helm-install' });

    // helm gives up after its 8 s timeout (pods never become ready), is not retried, and the saga uninstalls the release
    const done = await eventually('the operation to end', async () => {
      const r = await http.get(`${stack.baseUrl}${post.data.status_url}`);
      return r.data.status !== 'running' ? r : undefined;
    }, 120_000);
    expect(done.data).toMatchObject({ operation: 'deploy', status: 'failed', step: 'helm-install', error_type: 'DeployFailed' });
    expect(done.data.error).toMatch(/Deployment of exchange .* failed at helm-install: helm upgrade failed: .*not ready/);
    expect(await helmReleaseNames(namespace)).toEqual([]);
  });
});

describe('a synchronous request that outlasts SYNC_WAIT_SECONDS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ helmWait: 'watcher', helmTimeoutSeconds: 600, syncWaitMs: 1500 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 202 with the status URL instead of timing out, and the operation goes on', async () => {
    const release = uniqueName('nats-slow');
    const namespace = uniqueName('ns');
    const started = Date.now();
    const post = await http.post(`${stack.baseUrl}/exchange`, {
      kubeconfig: testKubeconfig(),
      helm_values: NEVER_READY,
      release_name: release,
      org_ids: 'org001',
      cluster_id: 'c1',
      name: 'slow',
      namespace,
    });
    expect(post.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(post.headers['preference-applied']).toBeUndefined();
    const status = await http.get(`${stack.baseUrl}${post.data.status_url}`);
    expect(status.data).toMatchObject({ operation: 'deploy', status: 'running' });
    // stop it: cancelling the workflow runs the compensation
    await stack.client.workflow.getHandle(post.data.workflow_id as string).cancel();
    const done = await eventually('the operation to end', async () => {
      const r = await http.get(`${stack.baseUrl}${post.data.status_url}`);
      return r.data.status !== 'running' ? r : undefined;
    }, 60_000);
    expect(done.data.status).toBe('cancelled');
    expect(await helmReleaseNames(namespace)).toEqual([]);
  });
});
