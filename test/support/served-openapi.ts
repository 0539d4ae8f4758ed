// An API app whose routes are only listed, never called (no Temporal, an in-memory registry store): with `full`,
// every optional router is mounted. The OpenAPI tests and the docs/api.md generator read its document.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/api/app.js';
import { DEFAULT_KUBECONFIG_POLICY } from '../../src/domain/kubeconfig.js';
import type { ValuesGuard } from '../../src/domain/values-guard.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { SqliteBackboneStore } from '../../src/registry/sqlite-store.js';
import { createCodec } from '../../src/temporal/data-converter.js';
import type { ExchangeOperations } from '../../src/temporal/exchange-operations.js';

export function documentedApp(full: boolean, store: SqliteBackboneStore): ReturnType<typeof createApp> {
  const deps: AppDeps = {
    operations: {} as ExchangeOperations,
    registryStore: store,
    kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
    temporalUiUrl: 'http://temporal-ui.local:8233',
    temporalNamespace: 'default',
    logger: createLogger('silent', 'test'),
    codec: { codec: createCodec(`k1:${randomBytes(32).toString('base64')}`), corsOrigins: [] },
  };
  return createApp(full ? { ...deps, valuesGuard: {} as ValuesGuard, metrics: createMetrics('api'), publicBaseUrl: 'http://127.0.0.1:9000' } : deps);
}

/** The document the full app serves. */
export async function servedOpenApi(): Promise<Record<string, unknown>> {
  const store = new SqliteBackboneStore(':memory:');
  try {
    return (await request(documentedApp(true, store)).get('/openapi.json').expect(200)).body as Record<string, unknown>;
  } finally {
    await store.close();
  }
}
