// The Express app factory: builds the app without listening, so tests drive it with supertest and the
// entrypoint decides where it listens.
import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { KubeconfigPolicy } from '../../activities/kubeconfig.js';
import type { BackboneStore } from '../registry/types.js';
import { createRegistryRouter } from '../registry/router.js';
import type { ExchangeOperations } from '../temporal/exchange-operations.js';
import { errorHandler, notFound, sendError } from './errors.js';
import { createExchangeRouter } from './exchange-routes.js';

export interface AppDeps {
  operations: ExchangeOperations;
  /** When given, the Backbone Registry REST API is served at /backbones. */
  registryStore?: BackboneStore;
  kubeconfigPolicy: KubeconfigPolicy;
  temporalUiUrl: string;
  temporalNamespace: string;
  logger: Logger;
  bodyLimit?: string;
}

/** Bodies are JSON only: anything else is refused before a parser sees it. */
const jsonOnly: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) return sendError(res, 415, 'Content-Type must be application/json');
  next();
};

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(jsonOnly);
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb', strict: true }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/exchange', createExchangeRouter(deps));
  if (deps.registryStore) app.use('/backbones', createRegistryRouter(deps.registryStore));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
