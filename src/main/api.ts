// API process: validates requests, starts exchange workflows, serves the embedded Backbone Registry.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app.js';
import { ConfigError, loadConfig } from '../config.js';
import { createMetrics } from '../metrics.js';
import { createLogger } from '../logger.js';
import { BackboneDBClient } from '../registry/client.js';
import { MongoBackboneStore } from '../registry/mongo-store.js';
import { SqliteBackboneStore } from '../registry/sqlite-store.js';
import type { BackboneStore } from '../registry/types.js';
import type { ExchangeDirectory } from '../api/exchange-routes.js';
import { createCodec, createDataConverter } from '../temporal/data-converter.js';
import { TokenVerifier } from '../api/auth.js';
import { TemporalExchangeOperations } from '../temporal/exchange-operations.js';
import { temporalReadiness } from '../temporal/readiness.js';
import { requirePayloadKeys } from './payload-keys.js';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'ned-api');

async function main(): Promise<void> {
  const metrics = createMetrics('api');
  const payloadKeys = requirePayloadKeys(config);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: createDataConverter(payloadKeys) });
  let store: BackboneStore | undefined;
  if (config.registry.serve) {
    if (config.mongo) {
      store = await MongoBackboneStore.connect(config.mongo.uri, { dbName: config.mongo.db });
    } else {
      if (config.registry.dbPath !== ':memory:') mkdirSync(dirname(config.registry.dbPath), { recursive: true });
      store = new SqliteBackboneStore(config.registry.dbPath);
    }
  }
  // without a local store, reads go to the external registry the worker writes to
  const directory = store ?? registryClientDirectory(new BackboneDBClient({ baseUrl: config.registry.url, token: config.registry.token }));
  const temporalHealth = temporalReadiness(config.temporal.address);
  const auth = new TokenVerifier({ tokens: config.auth.tokens, sha256Hex: config.auth.tokenSha256 });
  if (!auth.enabled) {
    if (config.env === 'production') throw new ConfigError('API_TOKENS or API_TOKEN_SHA256 is required when NODE_ENV=production');
    logger.warn('no API tokens configured: the API accepts unauthenticated requests (development only)');
  }
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
  // deploys are synchronous by contract and can take minutes: no socket timeout cuts them off
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

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

function registryClientDirectory(client: BackboneDBClient): ExchangeDirectory {
  return { get: (id) => client.getBackbone(id), list: (filter, page) => client.listBackbones(filter, page) };
}

main().catch((err: unknown) => {
  logger.fatal({ err: { name: (err as Error).name, message: (err as Error).message } }, 'api failed to start');
  process.exit(1);
});
