// A whole deployer in the test process, on the real parts: the API app and the Backbone Registry served over
// loopback HTTP, a worker with the real activities (helm binary, test cluster, registry client over HTTP) on
// a task queue of its own, all talking to the Temporal dev server scripts/test.sh started.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import express from 'express';
import { createApp } from '../../src/api/app.js';
import { createLogger } from '../../src/logger.js';
import { activityMetricsInterceptor, createMetrics, startMetricsServer } from '../../src/metrics.js';
import { BackboneDBClient } from '../../src/registry/client.js';
import { createRegistryRouter } from '../../src/registry/router.js';
import { SqliteBackboneStore } from '../../src/registry/sqlite-store.js';
import type { BackboneStore } from '../../src/registry/types.js';
import { createCodec, createDataConverter } from '../../src/temporal/data-converter.js';
import { requireBearer, TokenVerifier, type PrincipalConfig } from '../../src/api/auth.js';
import { TemporalExchangeOperations } from '../../src/temporal/exchange-operations.js';
import { createExchangeWorker } from '../../src/temporal/worker.js';
import { temporalReadiness } from '../../src/temporal/readiness.js';
import type { ChartSource } from '../../activities/helm-args.js';
import { DEFAULT_KUBECONFIG_POLICY } from '../../src/domain/kubeconfig.js';
import { testEnv, testValuesGuard, uniqueName } from './env.js';

export interface RegistryFaults {
  /** Answer this many registry writes (POST) with 503 before letting them through; Infinity = always. */
  failWrites: number;
  writesSeen: number;
  /** Answer every registry write with 503 until this time (ms since the epoch): an outage of a given length. */
  failUntil?: number;
}

export interface Stack {
  baseUrl: string;
  /** The worker's Prometheus endpoint. */
  workerMetricsUrl: string;
  client: Client;
  /** A client without the payload codec: sees what the Temporal server stores. */
  rawClient: Client;
  taskQueue: string;
  store: BackboneStore;
  faults: RegistryFaults;
  /** Stops the worker (as a node going away would); workflows wait on the server for the next one. */
  stopWorker(): Promise<void>;
  startWorker(opts?: Pick<StackOptions, 'helmWait' | 'helmTimeoutSeconds'>): Promise<void>;
  /** Drops the API's listener and every open connection (as a crashed API process would), waits downMs, then
   * listens again on the same port; workflows and the worker are not touched. */
  restartApi(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

function listen(app: express.Express, port = 0): Promise<{ server: Server; url: string }> {
  return new Promise((ok, fail) => {
    const server = app.listen(port, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    server.once('error', fail);
  });
}

function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed by an earlier suite in this jest worker process
  }
}

export interface StackOptions {
  failRegistryWrites?: number;
  /** helm --wait strategy, 'watcher' by default as in production (kwok makes the pods Ready); 'none' = no wait. */
  helmWait?: 'watcher' | 'legacy' | 'none';
  helmTimeoutSeconds?: number;
  /** The API's synchronous wait limit before it answers 202. */
  syncWaitMs?: number;
  /** false: no worker in this process (a test runs one as a separate process); startWorker() adds one. */
  worker?: boolean;
  /** How long the worker retries an unavailable registry (production default: 10 min). */
  registryRetryWindowMs?: number;
  /** Bearer tokens the API demands (none = open). */
  apiTokens?: string[];
  /** Principals with roles and orgs (as API_PRINCIPALS holds them), besides the admin apiTokens. */
  principals?: PrincipalConfig[];
  /** The worker's registry token (REGISTRY_TOKEN); default the first apiTokens entry. */
  registryToken?: string;
  /** The Temporal server of this stack (default TEMPORAL_ADDRESS), e.g. a dev server a fault test stops. */
  temporalAddress?: string;
  /** Where the in-process worker writes its kubeconfig temp dirs (default os.tmpdir()): a fault test counts them. */
  kubeconfigTempDir?: string;
  /** Where the worker gets the chart (e.g. a repository on loopback); default `{ chart: TEST_CHART }`. */
  chartSource?: ChartSource;
  /** The registry's store (default a fresh in-memory SQLite one), e.g. a MongoDB one; the stack closes it. */
  store?: BackboneStore;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  quietRuntime();
  const env = testEnv();
  const taskQueue = uniqueName('tq');
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'test');
  const store = opts.store ?? new SqliteBackboneStore(':memory:');
  const faults: RegistryFaults = { failWrites: opts.failRegistryWrites ?? 0, writesSeen: 0 };

  const temporalAddress = opts.temporalAddress ?? env.temporalAddress;
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default', dataConverter: createDataConverter(env.payloadKeys) });

  const apiMetrics = createMetrics('api');
  const temporalHealth = temporalReadiness(temporalAddress);
  // the API and the registry mounted beside it authenticate alike
  const verifier = new TokenVerifier({ tokens: opts.apiTokens ?? [], principals: opts.principals });
  const api = createApp({
    operations: new TemporalExchangeOperations(client, taskQueue, apiMetrics),
    kubeconfigPolicy: { ...DEFAULT_KUBECONFIG_POLICY, serverAllowlist: ['127.0.0.1'] },
    temporalUiUrl: 'http://127.0.0.1:8233',
    temporalNamespace: 'default',
    logger,
    // the registry router is mounted below, behind the fault switch; the API reads through the same store
    directory: store,
    syncWaitMs: opts.syncWaitMs,
    valuesGuard: testValuesGuard(),
    auth: verifier,
    metrics: apiMetrics,
    readiness: { temporal: temporalHealth.check, registry: () => store.ping() },
    codec: { codec: createCodec(env.payloadKeys), corsOrigins: ['http://127.0.0.1:8233'] },
  });
  // the registry is the real router over real storage; the fault switch sits in front of it like an outage would
  const root = express();
  root.use('/backbones', (req, res, next) => {
    if (req.method === 'POST') {
      faults.writesSeen++;
      if (faults.writesSeen <= faults.failWrites || Date.now() < (faults.failUntil ?? 0)) {
        res.status(503).json({ success: false, error: 'registry is read-only for maintenance' });
        return;
      }
    }
    next();
  });
  root.use('/backbones', createRegistryRouter(store, { logger, authenticate: requireBearer(verifier) }).router);
  root.use(api);
  let { server } = await listen(root);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const workerMetrics = createMetrics('worker');
  const metricsServer = await startMetricsServer(workerMetrics, 0, '127.0.0.1');
  const workerConnection = await NativeConnection.connect({ address: temporalAddress });
  const launchWorker = async (helmWait: StackOptions['helmWait'], helmTimeoutSeconds: number | undefined) => {
    const worker: Worker = await createExchangeWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      payloadKeys: env.payloadKeys,
      activities: {
        helm: {
          helmBin: env.helmBin,
          source: opts.chartSource ?? { chart: env.chart },
          baseValuesPath: resolve('values.yaml'),
          timeoutSeconds: helmTimeoutSeconds ?? 60,
          wait: helmWait === 'none' ? undefined : (helmWait ?? 'watcher'),
          historyMax: 10,
          // as the worker runs it by default (HELM_MEMORY_LIMIT_MB, HELM_CPU_LIMIT_SECONDS)
          limits: { memoryBytes: 1024 * 1024 * 1024, cpuSeconds: 120 },
        },
        kubeconfigPolicy: { ...DEFAULT_KUBECONFIG_POLICY, serverAllowlist: ['127.0.0.1'] },
        registry: new BackboneDBClient({ baseUrl: url, token: opts.registryToken ?? opts.apiTokens?.[0], retries: 0 }),
        registryRetryWindowMs: opts.registryRetryWindowMs ?? 8_000,
        tempDir: opts.kubeconfigTempDir,
        onHelmFinished: workerMetrics.onHelmFinished,
        readinessIntervalMs: 500,
        valuesGuard: testValuesGuard(),
      },
      activityInterceptors: [activityMetricsInterceptor(workerMetrics)],
      shutdownGraceTime: '5 seconds',
    });
    return { worker, running: worker.run() };
  };
  let current: { worker: Worker; running: Promise<void> } | undefined =
    opts.worker === false ? undefined : await launchWorker(opts.helmWait, opts.helmTimeoutSeconds);
  const stopWorker = async () => {
    const w = current;
    current = undefined;
    if (!w) return;
    w.worker.shutdown();
    await w.running;
  };

  return {
    baseUrl: url,
    workerMetricsUrl: `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`,
    client,
    rawClient: new Client({ connection, namespace: 'default' }),
    taskQueue,
    store,
    faults,
    stopWorker,
    async startWorker(o: Pick<StackOptions, 'helmWait' | 'helmTimeoutSeconds'> = {}) {
      if (current) throw new Error('a worker is already running');
      current = await launchWorker(o.helmWait, o.helmTimeoutSeconds);
    },
    async restartApi(downMs = 0) {
      const port = (server.address() as AddressInfo).port;
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
      await new Promise((ok) => setTimeout(ok, downMs));
      ({ server } = await listen(root, port));
    },
    async close() {
      await stopWorker();
      await workerConnection.close();
      await new Promise<void>((ok) => metricsServer.close(() => ok()));
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await connection.close();
      await temporalHealth.close();
      await store.close();
    },
  };
}
