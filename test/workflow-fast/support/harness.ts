// The fast workflow tier's environment: the real workflow code on a real Temporal dev server (TEMPORAL_ADDRESS,
// started by scripts/test.sh or scripts/temporal-dev.sh), a worker in this process with mocked activities on
// a task queue of its own, and a client without the payload codec so histories hold plain JSON.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { WorkflowCoverage } from '@temporalio/nyc-test-coverage';
import type { DeployExchangeInput, RemoveExchangeInput, UpdateExchangeInput } from '../../../workflows/shared.js';
import { MockActivities } from './mock-activities.js';
import { keepSandboxCoverage } from './coverage.js';

export const workflowsPath = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));

/** A kubeconfig that names no real cluster and holds no real credential: these inputs end up in recorded histories. */
export const fakeKubeconfig = {
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'fake',
  clusters: [{ name: 'fake', cluster: { server: 'https://cluster.example:6443' } }],
  users: [{ name: 'fake', user: { token: 'fake-token' } }],
  contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
};

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error('TEMPORAL_ADDRESS is not set: start a dev server with `scripts/temporal-dev.sh start <dir> --headless` and source <dir>/temporal.env');
  }
  return address;
}

/** Once per process. The workflows' own error logs (a failed compensation) are outcomes the tests assert on, not news; anything else at ERROR still shows. */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR', (e) => e.meta?.sdkComponent === 'workflow' || console.error(`[${e.level}] ${e.message}`, e.meta ?? '')) });
  } catch {
    // already installed by an earlier file in this jest worker
  }
}

export interface FastEnv {
  client: Client;
  taskQueue: string;
  mocks: MockActivities;
  close(): Promise<void>;
}

/**
 * Connects, creates and runs the worker. With jest's --coverage the workflow bundle is instrumented
 * (@temporalio/nyc-test-coverage) and close() hands what the sandbox executed to jest.
 */
export async function startFastEnv(name: string, opts: { coverage?: boolean } = {}): Promise<FastEnv> {
  quietRuntime();
  const address = temporalAddress();
  const taskQueue = `wf-fast-${name}-${randomUUID()}`;
  const mocks = new MockActivities();
  const workerConnection = await NativeConnection.connect({ address });
  // switches itself on only when jest's instrumentation has created the __coverage__ global: under --coverage
  // it has, because the test process imports workflows/progress.ts (mock-activities.ts does)
  const coverage = opts.coverage === false ? undefined : new WorkflowCoverage();
  const options: WorkerOptions & { workflowsPath: string } = {
    connection: workerConnection,
    namespace: 'default',
    taskQueue,
    workflowsPath,
    activities: mocks.activities,
    // cancellation reaches an activity in a heartbeat reply; unthrottled heartbeats deliver it at once
    maxHeartbeatThrottleInterval: '50 milliseconds',
    shutdownGraceTime: '1 second',
  };
  const worker = await Worker.create(coverage ? coverage.augmentWorkerOptions(options) : options);
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    client,
    taskQueue,
    mocks,
    async close() {
      worker.shutdown();
      await running;
      await Promise.all([connection.close(), workerConnection.close()]);
      if (coverage) keepSandboxCoverage(coverage);
    },
  };
}

let counter = 0;

/** A unique exchange: its system id and workflow id. */
export function exchangeIds(label: string): { systemId: string; workflowId: string } {
  const systemId = `${label}-${++counter}-${randomUUID().slice(0, 8)}`;
  return { systemId, workflowId: `exchange-${systemId}` };
}

export function deployInput(systemId: string, overrides: Partial<DeployExchangeInput> = {}): DeployExchangeInput {
  return {
    systemId,
    kubeconfig: fakeKubeconfig,
    releaseName: 'nats-fast',
    namespace: 'communication',
    helmValues: { config: { jetstream: { enabled: true } } },
    orgIds: ['org001'],
    clusterId: 'fake-cluster',
    name: 'Fast tier exchange',
    metadata: { team: 'infra' },
    ...overrides,
  };
}

export function updateInput(systemId: string, overrides: Partial<UpdateExchangeInput> = {}): UpdateExchangeInput {
  return { systemId, kubeconfig: fakeKubeconfig, releaseName: 'nats-fast', namespace: 'communication', helmValues: { config: { cluster: { replicas: 5 } } }, ...overrides };
}

export function removeInput(systemId: string, overrides: Partial<RemoveExchangeInput> = {}): RemoveExchangeInput {
  return { systemId, kubeconfig: fakeKubeconfig, releaseName: 'nats-fast', namespace: 'communication', ...overrides };
}

/** Polls until check() returns a value (not undefined), or fails after timeoutMs. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
