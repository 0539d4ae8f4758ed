// Prometheus metrics for both processes. Each createMetrics() call has its own Registry (not prom-client's
// global one), so tests can build several and two components never share counters by accident.
import { createServer, type Server } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export type Component = 'api' | 'worker';
/** What the helm runner reports after each run (activities/helm-runner.ts takes it as onFinished). */
export type HelmFinished = (verb: string, outcome: 'ok' | 'not_found' | 'error', seconds: number) => void;

export interface Metrics {
  registry: Registry;
  /** Counts and times every request by method, route pattern and status. Mount first. */
  httpMiddleware: RequestHandler;
  /** operation: deploy | update | remove. */
  operationsStarted: Counter<'operation'>;
  /** outcome: succeeded | failed | rejected (not started, e.g. busy) — as the API observed it. */
  operationsFinished: Counter<'operation' | 'outcome'>;
  helmDuration: Histogram<'verb' | 'outcome'>;
  activityFailures: Counter<'activity' | 'type'>;
  /** For ActivityDeps.onHelmFinished. */
  onHelmFinished: HelmFinished;
  /** GET /metrics. */
  metricsHandler: RequestHandler;
}

/** Request durations: fast reads up to synchronous deploys that wait for helm (minutes). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** helm runs: a status call (≈0.1 s) up to an install that waits for its pods (15 min). */
const HELM_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300, 450, 600, 900];

const UNMATCHED = 'unmatched';

/** `/exchange` + `/:system_id` → `/exchange/:system_id`; a router's `/` route is the mount path itself. */
function joinRoute(baseUrl: string, routePath: unknown): string {
  const path = typeof routePath === 'string' ? routePath : String(routePath);
  const joined = `${baseUrl}${path === '/' ? '' : path}`;
  return joined === '' ? '/' : joined;
}

/**
 * Records the route pattern when the router assigns req.route: at that moment req.baseUrl is the mount path of
 * the router that owns the route. Reading both at 'finish' instead would be wrong when an error left the
 * router (baseUrl is restored to the parent's, req.route stays).
 */
function captureRoute(req: Request, onRoute: (pattern: string) => void): void {
  let route: unknown = (req as { route?: unknown }).route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (path !== undefined) onRoute(joinRoute(req.baseUrl ?? '', path));
    },
  });
}

export function createMetrics(component: Component): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry, prefix: 'ned_' });

  const httpRequests = new Counter({
    name: 'ned_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'ned_http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const operationsStarted = new Counter({
    name: 'ned_operations_started_total',
    help: 'Exchange operations (workflows) started',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const operationsFinished = new Counter({
    name: 'ned_operations_finished_total',
    help: 'Exchange operations finished, by outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const helmDuration = new Histogram({
    name: 'ned_helm_duration_seconds',
    help: 'helm command duration by verb and outcome',
    labelNames: ['verb', 'outcome'] as const,
    buckets: HELM_BUCKETS,
    registers: [registry],
  });
  const activityFailures = new Counter({
    name: 'ned_activity_failures_total',
    help: 'Failed activity attempts by activity and failure type',
    labelNames: ['activity', 'type'] as const,
    registers: [registry],
  });

  const httpMiddleware: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    let route = UNMATCHED;
    captureRoute(req, (pattern) => {
      route = pattern;
    });
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      httpDuration.observe({ method: req.method, route }, seconds);
    });
    next();
  };

  const metricsHandler: RequestHandler = async (_req, res) => {
    const body = await registry.metrics();
    res.setHeader('Content-Type', registry.contentType);
    res.send(body);
  };

  return {
    registry,
    httpMiddleware,
    operationsStarted,
    operationsFinished,
    helmDuration,
    activityFailures,
    onHelmFinished: (verb, outcome, seconds) => helmDuration.observe({ verb, outcome }, seconds),
    metricsHandler,
  };
}

/** A bounded label for a failure: ApplicationFailure type, else the error's name. */
function failureType(err: unknown): string {
  const e = err as { type?: unknown; name?: unknown } | null | undefined;
  const type = typeof e?.type === 'string' && e.type ? e.type : typeof e?.name === 'string' && e.name ? e.name : 'Error';
  return type.slice(0, 64);
}

/** Worker interceptor counting failed activity attempts: `interceptors: { activity: [activityMetricsInterceptor(m)] }`. */
export function activityMetricsInterceptor(metrics: Pick<Metrics, 'activityFailures'>): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          metrics.activityFailures.inc({ activity: ctx.info.activityType, type: failureType(err) });
          throw err;
        }
      },
    },
  });
}

/** Serves only GET /metrics, for the worker (which has no express app). Resolves once listening. */
export function startMetricsServer(metrics: Pick<Metrics, 'registry'>, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`metrics collection failed: ${(err as Error).message}\n`);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
