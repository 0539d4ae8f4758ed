// API process: validates requests, starts exchange workflows, serves the embedded Backbone Registry.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app.js';
import { ConfigError, loadConfig } from '../config.js';
import { createValuesGuard } from '../values-loaders.js';
import { createMetrics } from '../metrics.js';
import { createLogger } from '../logger.js';
import { BackboneDBClient } from '../registry/client.js';
import { SqliteBackboneStore } from '../registry/sqlite-store.js';
import type { BackboneStore } from '../registry/types.js';
import type { ExchangeDirectory } from '../api/exchange-routes.js';
import { createCodec, createDataConverter } from '../temporal/data-converter.js';
import { ANONYMOUS_WARNING, PrincipalConfigError, verifierFromSettings, type TokenVerifier } from '../api/auth.js';
import { TemporalExchangeOperations } from '../temporal/exchange-operations.js';
import { temporalReadiness } from '../temporal/readiness.js';
import { requirePayloadKeys } from './payload-keys.js';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'ned-api');

async function main(): Promise<void> {
  // who may call is settled first: a bad principal list stops the process before it connects anywhere
  const auth = createVerifier();
  if (auth.enabled) logger.info({ principals: auth.describe() }, 'api principals loaded');
  else logger.warn(ANONYMOUS_WARNING);
  const metrics = createMetrics('api');
  const payloadKeys = requirePayloadKeys(config);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: createDataConverter(payloadKeys) });
  let store: BackboneStore | undefined;
  if (config.registry.serve) {
    if (config.mongo) {
      // loaded only when used: the driver is ~6 MB of the API's resident memory
      const { MongoBackboneStore } = await import('../registry/mongo-store.js');
      store = await MongoBackboneStore.connect(config.mongo.uri, { dbName: config.mongo.db });
    } else {
      if (config.registry.dbPath !== ':memory:') mkdirSync(dirname(config.registry.dbPath), { recursive: true });
      store = new SqliteBackboneStore(config.registry.dbPath);
    }
  }
  // without a local store, reads go to the external registry the worker writes to
  const directory = store ?? registryClientDirectory(new BackboneDBClient({ baseUrl: config.registry.url, token: config.registry.token }));
  const temporalHealth = temporalReadiness(config.temporal.address);
  const app = createApp({
    operations: new TemporalExchangeOperations(client, config.temporal.taskQueue, metrics),
    registryStore: store,
    directory,
    kubeconfigPolicy: config.kubeconfigPolicy,
    temporalUiUrl: config.temporal.uiUrl,
    temporalNamespace: config.temporal.namespace,
    logger,
    bodyLimit: config.bodyLimit,
    syncWaitMs: config.syncWaitMs,
    orgMaxOperations: config.orgMaxOperations,
    valuesGuard: createValuesGuard(config.values),
    metrics,
    auth,
    codec: { codec: createCodec(payloadKeys), corsOrigins: config.codecCorsOrigins },
    readiness: {
      temporal: temporalHealth.check,
      ...(store ? { registry: () => store.ping() } : {}),
    },
  });
  const server = app.listen(config.port, config.host, () => {
    logger.info({ host: config.host, port: config.port, temporal: config.temporal.address, registry: config.mongo ? 'mongodb' : store ? config.registry.dbPath : config.registry.url }, 'api listening');
  });
  // requestTimeout bounds only the *receiving* of a request (a slow body answers 408); a synchronous deploy that
  // takes minutes to answer is not cut by it (checked on Node 20), and no socket timeout (server.timeout = 0) is set
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(15_000, config.requestTimeoutMs);
  server.timeout = 0;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, draining');
    server.close(() => {
      void (async () => {
        await store?.close();
        await connection.close();
        await temporalHealth.close();
        logger.info('api stopped');
        process.exit(0);
      })();
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Bad principal entries (or none in production) stop the process here, before it listens. */
function createVerifier(): TokenVerifier {
  try {
    return verifierFromSettings({ production: config.env === 'production', ...config.auth }).verifier;
  } catch (err) {
    if (err instanceof PrincipalConfigError) throw new ConfigError(`API authentication: ${err.message}`);
    throw err;
  }
}

function registryClientDirectory(client: BackboneDBClient): ExchangeDirectory {
  return { get: (id) => client.getBackbone(id), list: (filter, page) => client.listBackbones(filter, page) };
}

main().catch((err: unknown) => {
  logger.fatal({ err: { name: (err as Error).name, message: (err as Error).message } }, 'api failed to start');
  process.exit(1);
});
