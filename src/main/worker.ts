// Worker process: runs the exchange workflows and the activities (helm, registry client).
import { NativeConnection } from '@temporalio/worker';
import { removeStaleKubeconfigDirs } from '../../activities/kubeconfig-file.js';
import { findSetpriv } from '../../activities/helm-runner.js';
import { loadConfig } from '../config.js';
import { createValuesGuard } from '../values-loaders.js';
import { createLogger } from '../logger.js';
import { activityMetricsInterceptor, createMetrics, startMetricsServer } from '../metrics.js';
import { BackboneDBClient } from '../registry/client.js';
import { createExchangeWorker } from '../temporal/worker.js';
import { requirePayloadKeys } from './payload-keys.js';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'ned-worker');

async function main(): Promise<void> {
  const payloadKeys = requirePayloadKeys(config);
  if (!(await findSetpriv())) {
    // the fault suite showed it: an orphaned helm finishing after its worker died overwrote the retry's release
    if (config.helm.requirePdeathsig) {
      throw new Error('setpriv (util-linux) with --pdeathsig is not on PATH: helm could outlive a crashed worker. Install util-linux, or set HELM_REQUIRE_PDEATHSIG=false to run anyway');
    }
    logger.warn('setpriv not found and HELM_REQUIRE_PDEATHSIG=false: a helm process can outlive a crashed worker and change a release afterwards');
  }
  // a predecessor that crashed mid-helm left kubeconfigs (credentials) behind; no helm of ours runs yet
  const stale = await removeStaleKubeconfigDirs(config.kubeconfigTempDir);
  logger.info({ removed: stale }, 'removed stale kubeconfig directories');
  const metrics = createMetrics('worker');
  const metricsServer = config.metrics.port > 0 ? await startMetricsServer(metrics, config.metrics.port, config.metrics.host) : undefined;
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createExchangeWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    payloadKeys,
    activities: {
      helm: config.helm,
      kubeconfigPolicy: config.kubeconfigPolicy,
      publicUrlTemplate: config.publicUrlTemplate,
      // one HTTP call per activity attempt: Temporal's retry policy is the only retry owner
      registry: new BackboneDBClient({ baseUrl: config.registry.url, token: config.registry.token, retries: 0 }),
      registryRetryWindowMs: config.registry.retryWindowMs,
      valuesGuard: createValuesGuard(config.values),
      chartCacheDir: config.chartCacheDir,
      tempDir: config.kubeconfigTempDir,
      onHelmFinished: metrics.onHelmFinished,
    },
    activityInterceptors: [activityMetricsInterceptor(metrics)],
  });
  logger.info({ temporal: config.temporal.address, taskQueue: config.temporal.taskQueue, chart: config.helm.source.chart, registry: config.registry.url }, 'worker started');
  // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks finished or the grace time ran out
  await worker.run();
  await connection.close();
  await new Promise<void>((ok) => (metricsServer ? metricsServer.close(() => ok()) : ok()));
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  logger.fatal({ err: { name: (err as Error).name, message: (err as Error).message } }, 'worker failed');
  process.exit(1);
});
