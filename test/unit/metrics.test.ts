import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { ApplicationFailure } from '@temporalio/common';
import { activityMetricsInterceptor, createMetrics, startMetricsServer } from '../../src/metrics.js';

const SYSTEM_ID = '7b6f0f0e-6a2b-4c1e-9d7a-2f3c4b5a6d7e';

/** Shaped like the real app: middleware first, a router mounted at /exchange, an app-level error handler. */
function appWith(metrics: ReturnType<typeof createMetrics>) {
  const app = express();
  app.use(metrics.httpMiddleware);
  app.get('/metrics', metrics.metricsHandler);
  const exchange = express.Router();
  exchange.get('/', (_req, res) => {
    res.json({ items: [] });
  });
  exchange.get('/:system_id', (req, res) => {
    if (req.params.system_id === 'boom') throw new Error('boom');
    res.json({ system_id: req.params.system_id });
  });
  exchange.get('/:system_id/operations/:operation_id', (_req, res) => {
    res.json({});
  });
  app.use('/exchange', exchange);
  app.use((_req, res) => {
    res.status(404).json({ success: false });
  });
  const onError: ErrorRequestHandler = (_err, _req, res, _next) => {
    res.status(500).json({ success: false });
  };
  app.use(onError);
  return app;
}

async function counterValue(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return match?.value;
}

/** The value of the exposition-format sample `name{…}` whose labels include `labels` (label order is not fixed). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('httpMiddleware', () => {
  it('labels requests by route pattern, never by the raw URL', async () => {
    const m = createMetrics('api');
    const app = appWith(m);
    await request(app).get(`/exchange/${SYSTEM_ID}`).expect(200);
    await request(app).get('/exchange/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed').expect(200);
    await request(app).get(`/exchange/${SYSTEM_ID}/operations/0b7f0a2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b`).expect(200);
    await request(app).get('/exchange').expect(200);

    expect(await counterValue(m, 'ned_http_requests_total', { method: 'GET', route: '/exchange/:system_id', status: '200' })).toBe(2);
    expect(await counterValue(m, 'ned_http_requests_total', { route: '/exchange/:system_id/operations/:operation_id' })).toBe(1);
    expect(await counterValue(m, 'ned_http_requests_total', { route: '/exchange' })).toBe(1);
    const text = await m.registry.metrics();
    expect(text).not.toContain(SYSTEM_ID);
    expect(sample(text, 'ned_http_request_duration_seconds_count', { method: 'GET', route: '/exchange/:system_id', component: 'api' })).toBe(2);
  });

  it('keeps the route when an error leaves the router, and calls what matched no route "unmatched"', async () => {
    const m = createMetrics('api');
    const app = appWith(m);
    await request(app).get('/exchange/boom').expect(500);
    await request(app).get(`/nothing/${SYSTEM_ID}`).expect(404);
    expect(await counterValue(m, 'ned_http_requests_total', { route: '/exchange/:system_id', status: '500' })).toBe(1);
    expect(await counterValue(m, 'ned_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
  });

  it('metricsHandler answers in the Prometheus text format', async () => {
    const res = await request(appWith(createMetrics('api'))).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE ned_http_requests_total counter');
    expect(res.text).toContain('ned_process_cpu_user_seconds_total');
  });
});

describe('helm and operation metrics', () => {
  it('onHelmFinished records the helm histogram by verb and outcome', async () => {
    const m = createMetrics('worker');
    m.onHelmFinished('upgrade', 'ok', 42);
    m.onHelmFinished('upgrade', 'ok', 0.3);
    m.onHelmFinished('status', 'error', 0.2);
    const text = await m.registry.metrics();
    const upgradeOk = { verb: 'upgrade', outcome: 'ok', component: 'worker' };
    expect(sample(text, 'ned_helm_duration_seconds_count', upgradeOk)).toBe(2);
    expect(sample(text, 'ned_helm_duration_seconds_sum', upgradeOk)).toBeCloseTo(42.3);
    expect(sample(text, 'ned_helm_duration_seconds_bucket', { ...upgradeOk, le: '0.25' })).toBe(0);
    expect(sample(text, 'ned_helm_duration_seconds_bucket', { ...upgradeOk, le: '0.5' })).toBe(1);
    expect(sample(text, 'ned_helm_duration_seconds_bucket', { ...upgradeOk, le: '30' })).toBe(1);
    expect(sample(text, 'ned_helm_duration_seconds_bucket', { ...upgradeOk, le: '60' })).toBe(2);
    expect(sample(text, 'ned_helm_duration_seconds_bucket', { verb: 'status', outcome: 'error', le: '0.25' })).toBe(1);
    expect(sample(text, 'ned_helm_duration_seconds_bucket', { verb: 'status', outcome: 'ok', le: '900' })).toBeUndefined();
  });

  it('operation counters carry their labels', async () => {
    const m = createMetrics('api');
    m.operationsStarted.inc({ operation: 'deploy' });
    m.operationsFinished.inc({ operation: 'deploy', outcome: 'succeeded' });
    expect(await counterValue(m, 'ned_operations_started_total', { operation: 'deploy' })).toBe(1);
    expect(await counterValue(m, 'ned_operations_finished_total', { operation: 'deploy', outcome: 'succeeded' })).toBe(1);
  });

  it('the activity interceptor counts failed attempts by activity and failure type, and rethrows', async () => {
    const m = createMetrics('worker');
    const interceptors = activityMetricsInterceptor(m)({ info: { activityType: 'helmUpgradeInstall' } } as never);
    const execute = interceptors.inbound?.execute;
    if (!execute) throw new Error('no inbound execute interceptor');
    const failure = ApplicationFailure.nonRetryable('helm upgrade failed', 'HelmRejected');
    await expect(execute({ args: [], headers: {} }, () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(execute({ args: [], headers: {} }, () => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(await counterValue(m, 'ned_activity_failures_total', { activity: 'helmUpgradeInstall', type: 'HelmRejected' })).toBe(1);
  });

  it('separate instances do not share metrics', async () => {
    const a = createMetrics('api');
    const b = createMetrics('api');
    a.operationsStarted.inc({ operation: 'remove' });
    expect(await counterValue(b, 'ned_operations_started_total', { operation: 'remove' })).toBeUndefined();
  });
});

describe('startMetricsServer', () => {
  it('serves GET /metrics on an ephemeral port, nothing else, and closes', async () => {
    const m = createMetrics('worker');
    m.onHelmFinished('uninstall', 'ok', 1.5);
    const server = await startMetricsServer(m, 0, '127.0.0.1');
    try {
      const { port } = server.address() as AddressInfo;
      expect(port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(sample(await res.text(), 'ned_helm_duration_seconds_count', { verb: 'uninstall', outcome: 'ok', component: 'worker' })).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await new Promise<void>((ok, fail) => server.close((err) => (err ? fail(err) : ok())));
    }
    expect(server.listening).toBe(false);
  });

  it('rejects when the port is taken', async () => {
    const m = createMetrics('worker');
    const first = await startMetricsServer(m, 0, '127.0.0.1');
    try {
      await expect(startMetricsServer(m, (first.address() as AddressInfo).port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise<void>((ok) => first.close(() => ok()));
    }
  });
});
