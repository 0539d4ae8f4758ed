// Faults a durable deployer rides out, on the real stack: a registry outage during a deploy, a DELETE that
// arrives while the deploy still runs, and a worker SIGKILLed while its helm runs.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import axios from 'axios';
import { execa, type ResultPromise } from 'execa';
import { claims, helmHistory, helmReleaseNames } from '../support/cluster.js';
import { NEVER_READY, testEnv, uniqueName } from '../support/env.js';
import { exchangeBody, targetBody } from '../support/requests.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

const body = exchangeBody;

describe('a Backbone Registry outage during a deploy', () => {
  let stack: Stack;
  beforeAll(async () => {
    // the production retry window (10 min)
    stack = await startStack({ registryRetryWindowMs: 10 * 60_000 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('of 30 seconds is ridden out: success, one record, one release, and the progress said what it waited for', async () => {
    const release = uniqueName('nats-outage');
    const namespace = uniqueName('ns');
    stack.faults.writesSeen = 0;
    stack.faults.failUntil = Date.now() + 30_000;
    const started = await http.post(`${stack.baseUrl}/exchange`, body(release, namespace), { headers: { Prefer: 'respond-async' } });
    expect(started.status).toBe(202);
    const waiting = await eventually('the status to say it waits for the registry', async () => {
      const r = await http.get(`${stack.baseUrl}${started.data.status_url}`);
      return typeof r.data.detail === 'string' && r.data.detail.startsWith('waiting for the registry') ? r.data : undefined;
    }, 60_000);
    expect(waiting).toMatchObject({ status: 'running', step: 'register' });
    expect(waiting.detail).toMatch(/^waiting for the registry \(attempt \d+, last error: .*503/);
    const done = await eventually('the deploy to end', async () => {
      const r = await http.get(`${stack.baseUrl}${started.data.status_url}`);
      return r.data.status !== 'running' ? r.data : undefined;
    }, 150_000);
    expect(done).toMatchObject({ status: 'succeeded', operation: 'deploy' });
    expect(stack.faults.writesSeen).toBeGreaterThan(3);
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    expect((await stack.store.list({}, { limit: 1000 })).items.filter((r) => r.release_name === release)).toHaveLength(1);
  });
});

describe('a DELETE while the deploy is still running', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ helmTimeoutSeconds: 300 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('cancels the deploy (its saga uninstalls) and removes the exchange: nothing left in cluster or registry', async () => {
    const release = uniqueName('nats-abort');
    const namespace = uniqueName('ns');
    const started = await http.post(`${stack.baseUrl}/exchange`, body(release, namespace, { ...NEVER_READY, 'config.jetstream.enabled': true }), {
      headers: { Prefer: 'respond-async' },
    });
    expect(started.status).toBe(202);
    const systemId = started.data.system_id as string;
    await eventually('helm to be waiting for pods', async () => ((await helmReleaseNames(namespace)).includes(release) ? true : undefined), 60_000);

    const t0 = Date.now();
    const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: targetBody(release, namespace) });
    expect(del.status).toBe(200);
    expect(del.data).toMatchObject({ success: true });
    expect(Date.now() - t0).toBeLessThan(60_000);
    const deploy = await http.get(`${stack.baseUrl}${started.data.status_url}`);
    expect(deploy.data).toMatchObject({ operation: 'deploy', status: 'cancelled' });
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await stack.store.get(systemId)).toBeNull();
    await eventually('the claim to go', async () => ((await claims(namespace)).length === 0 ? true : undefined), 30_000);
  });
});

describe('a worker SIGKILLed while its helm runs', () => {
  let stack: Stack;
  let worker: ResultPromise | undefined;
  beforeAll(async () => {
    stack = await startStack({ worker: false, helmWait: 'none' });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await stack?.close();
  });

  it('takes its helm with it; the next worker finishes the deploy once and no revision appears afterwards', async () => {
    const env = testEnv();
    // one process (tsx as a loader, not its CLI, which would run the worker in a child): the one we SIGKILL
    worker = execa(process.execPath, ['--import', 'tsx', resolve('src/main/worker.ts')], {
      env: {
        TEMPORAL_ADDRESS: env.temporalAddress,
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        PAYLOAD_KEYS: env.payloadKeys,
        HELM_BIN: env.helmBin,
        HELM_CHART: env.chart,
        HELM_WAIT: 'watcher',
        HELM_TIMEOUT_SECONDS: '300',
        REGISTRY_URL: stack.baseUrl,
        KUBE_SERVER_ALLOWLIST: '127.0.0.1',
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      reject: false,
    });
    const release = uniqueName('nats-orphan');
    const namespace = uniqueName('ns');
    const started = await http.post(`${stack.baseUrl}/exchange`, body(release, namespace, NEVER_READY), { headers: { Prefer: 'respond-async' } });
    expect(started.status).toBe(202);
    // helm is running (waiting for pods that cannot be scheduled)
    const helmPid = await eventually('helm to run', async () => {
      const r = await execa('pgrep', ['-f', `upgrade ${release} `], { reject: false });
      return r.exitCode === 0 ? Number(String(r.stdout).split('\n')[0]) : undefined;
    }, 60_000);
    await eventually('the release to exist', async () => ((await helmReleaseNames(namespace)).includes(release) ? true : undefined), 60_000);

    const killedAt = Date.now();
    process.kill(worker.pid!, 'SIGKILL');
    // gone = no such process, or a zombie waiting to be reaped (it no longer runs)
    await eventually('helm to be gone', async () => {
      const stat = await readFile(`/proc/${helmPid}/stat`, 'utf8').catch(() => '');
      return stat === '' || /^\d+ \(.*\) Z/.test(stat) ? true : undefined;
    }, 5_000, 20);
    expect(Date.now() - killedAt).toBeLessThan(1_000);
    await worker;

    // the next worker (in this process, not waiting for pods) finishes the deploy
    await stack.startWorker({ helmWait: 'none' });
    const done = await eventually('the deploy to end', async () => {
      const r = await http.get(`${stack.baseUrl}${started.data.status_url}`);
      return r.data.status !== 'running' ? r.data : undefined;
    }, 120_000);
    expect(done).toMatchObject({ status: 'succeeded' });
    const history = await helmHistory(release, namespace);
    await new Promise((ok) => setTimeout(ok, 5_000));
    expect(await helmHistory(release, namespace)).toEqual(history);
    expect(history[history.length - 1]!.status).toBe('deployed');
    expect(await stack.store.get(started.data.system_id as string)).not.toBeNull();
  });
});
