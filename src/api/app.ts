// The Express app factory: builds the app without listening, so tests drive it with supertest and the
// entrypoint decides where it listens.
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { KubeconfigPolicy } from '../domain/kubeconfig.js';
import type { BackboneStore } from '../registry/types.js';
import { createRegistryRouter } from '../registry/router.js';
import type { ExchangeOperations } from '../temporal/exchange-operations.js';
import { requireBearer, TokenVerifier } from './auth.js';
import { createChartRouter } from './chart-routes.js';
import { createCodecRouter } from './codec-routes.js';
import { DocumentedRouter, json, reply } from '../http/documented-router.js';
import type { ValuesGuard } from '../domain/values-guard.js';
import { errorHandler, notFound, sendError } from '../http/errors.js';
import { createExchangeRouter, type ExchangeDirectory } from './exchange-routes.js';
import type { Metrics } from '../metrics.js';
import { openApiRouter } from './openapi.js';
import { withTimeout } from '../timeout.js';

export interface AppDeps {
  operations: ExchangeOperations;
  /** When given, the Backbone Registry REST API is served at /backbones. */
  registryStore?: BackboneStore;
  /** Where GET /exchange reads exchanges; defaults to registryStore. */
  directory?: ExchangeDirectory;
  /** Longest synchronous wait for a mutation before answering 202 with a status URL. */
  syncWaitMs?: number;
  kubeconfigPolicy: KubeconfigPolicy;
  temporalUiUrl: string;
  temporalNamespace: string;
  logger: Logger;
  bodyLimit?: string;
  /** Bearer tokens; when none are configured the API is open (development). */
  auth?: TokenVerifier;
  /** When given, the Temporal codec server endpoints are served at /codec. */
  codec?: { codec: PayloadCodec; corsOrigins: string[] };
  /** Readiness checks by name (Temporal, registry store); each rejects when its dependency is down. */
  readiness?: Record<string, () => Promise<unknown>>;
  metrics?: Pick<Metrics, 'httpMiddleware' | 'metricsHandler'>;
  /** servers[0].url of the OpenAPI document */
  publicBaseUrl?: string;
  /** The values policy and chart schema every POST/PUT is checked against; also served at /chart. */
  valuesGuard?: ValuesGuard;
  /** Deploys and updates in flight per org before 429 (unset = no limit). */
  orgMaxOperations?: number;
}

/** Bodies are JSON only: anything else is refused before a parser sees it. */
const jsonOnly: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) return sendError(res, 415, 'Content-Type must be application/json');
  next();
};

const Health = z.object({ status: z.literal('ok') }).openapi('Health');
const Readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.string()).meta({ description: 'Each dependency: "ok" or "unavailable: <reason>".', example: { temporal: 'ok', registry: 'ok' } }),
  })
  .openapi('Readiness');

/** /healthz, /readyz and /metrics: public, for probes and scrapers. */
function createProbeRouter(deps: AppDeps): DocumentedRouter {
  const router = new DocumentedRouter({ tags: ['operations'], security: [] });
  router.get('/healthz', { operationId: 'health', summary: 'Liveness', responses: { 200: json(Health, 'The process is up.') } }, (_req, res) => {
    reply(res, 200, Health, { status: 'ok' });
  });
  router.get(
    '/readyz',
    {
      operationId: 'readiness',
      summary: 'Readiness: Temporal and the registry store answer',
      responses: { 200: json(Readiness, 'Ready.'), 503: json(Readiness, 'A dependency is unavailable.') },
    },
    async (_req, res) => {
      const checks: Record<string, string> = {};
      let ready = true;
      for (const [name, check] of Object.entries(deps.readiness ?? {})) {
        try {
          await withTimeout(check(), 3000);
          checks[name] = 'ok';
        } catch (err) {
          ready = false;
          checks[name] = `unavailable: ${(err as Error).message.slice(0, 200)}`;
        }
      }
      reply(res, ready ? 200 : 503, Readiness, { status: ready ? 'ready' : 'unavailable', checks });
    },
  );
  if (deps.metrics) {
    const text = { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' as const } } };
    router.get('/metrics', { operationId: 'metrics', summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text exposition format.', content: text } } }, deps.metrics.metricsHandler);
  }
  return router;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const auth = deps.auth ?? new TokenVerifier({});
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(helmet());
  if (deps.metrics) app.use(deps.metrics.httpMiddleware);
  app.use(
    pinoHttp({
      logger: deps.logger,
      // bodies carry kubeconfigs: only method, path, status and timing are logged
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  // Every router is built before any is mounted: the OpenAPI document, served before authentication, lists the
  // routes of all of them. Public: the probes, what values a caller may send, and the codec, whose CORS preflight
  // (the Web UI calls it from the browser) must pass before its own authentication applies.
  const open: Array<[string, DocumentedRouter]> = [['/', createProbeRouter(deps)]];
  if (deps.valuesGuard) open.push(['/chart', createChartRouter(deps.valuesGuard)]);
  if (deps.codec) open.push(['/codec', createCodecRouter(deps.codec.codec, deps.codec.corsOrigins, requireBearer(auth), deps.bodyLimit ?? '4mb')]);
  const guarded: Array<[string, DocumentedRouter]> = [['/exchange', createExchangeRouter({ ...deps, directory: deps.directory ?? deps.registryStore })]];
  if (deps.registryStore) guarded.push(['/backbones', createRegistryRouter(deps.registryStore, { logger: deps.logger })]);

  for (const [path, router] of open) app.use(path, router.router);
  app.use(openApiRouter([...open, ...guarded].flatMap(([path, router]) => router.at(path)), { serverUrl: deps.publicBaseUrl }));
  app.use(requireBearer(auth));
  app.use(jsonOnly);
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb', strict: true }));
  for (const [path, router] of guarded) app.use(path, router.router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
