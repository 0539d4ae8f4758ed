// What operators look at: metrics after a real deploy, the temporal CLI finding the workflow by search
// attribute, the API docs, and readiness that follows the Temporal server going away.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { execa } from 'execa';
import { createApp } from '../../src/api/app.js';
import { createLogger } from '../../src/logger.js';
import { temporalReadiness } from '../../src/temporal/readiness.js';
import type { ExchangeOperations } from '../../src/temporal/exchange-operations.js';
import { DEFAULT_KUBECONFIG_POLICY } from '../../src/domain/kubeconfig.js';
import { testKubeconfig } from '../support/cluster.js';
import { requireEnv, testEnv, uniqueName } from '../support/env.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

/** The value of one Prometheus sample whose labels include all of `labels`. */
function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const labelText = line.slice(metric.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('operability of a running deployer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('after a deploy, metrics show helm durations and the operation; the temporal CLI finds the workflow by ReleaseName', async () => {
    const release = uniqueName('nats-ops');
    const namespace = uniqueName('ns');
    const kubeconfig = testKubeconfig();
    const post = await http.post(`${stack.baseUrl}/exchange`, { kubeconfig, helm_values: {}, release_name: release, org_ids: 'org-ops', cluster_id: 'c-ops', name: 'ops', namespace });
    expect(post.status).toBe(200);

    const worker = (await http.get(stack.workerMetricsUrl)).data as string;
    expect(sample(worker, 'ned_helm_duration_seconds_count', { verb: 'upgrade', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    // whether the release exists is read from helm's records through the API server: no `helm status` process
    expect(sample(worker, 'ned_helm_duration_seconds_count', { verb: 'status' })).toBeUndefined();
    const api = await http.get(`${stack.baseUrl}/metrics`);
    expect(api.status).toBe(200);
    expect(sample(api.data as string, 'ned_operations_finished_total', { operation: 'deploy', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(sample(api.data as string, 'ned_http_requests_total', { method: 'POST', route: '/exchange', status: '200' })).toBeGreaterThanOrEqual(1);

    // `temporal workflow list --query 'ReleaseName="<release>"'`, as an operator would type it
    const temporal = requireEnv('NED_TEMPORAL_BIN');
    let listed: Array<{ execution: { workflowId: string }; type: { name: string } }> = [];
    for (let i = 0; i < 40 && listed.length === 0; i++) {
      const out = await execa(temporal, ['workflow', 'list', '--address', testEnv().temporalAddress, '--query', `ReleaseName="${release}"`, '--output', 'json']);
      listed = JSON.parse(out.stdout || '[]') as typeof listed;
      if (!listed.length) await new Promise((r) => setTimeout(r, 250));
    }
    expect(listed.map((w) => [w.execution.workflowId, w.type.name])).toEqual([[post.data.workflow_id, 'deployExchange']]);

    const del = await http.delete(`${stack.baseUrl}/exchange/${post.data.system_id}`, { data: { kubeconfig, release_name: release, namespace } });
    expect(del.status).toBe(200);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await http.get(`${stack.baseUrl}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(doc.data.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.data.paths)).toEqual(expect.arrayContaining(['/exchange', '/exchange/{system_id}']));
    const ui = await http.get(`${stack.baseUrl}/docs/`);
    expect(ui.status).toBe(200);
    expect(String(ui.data)).toContain('swagger-ui');
  });
});

describe('/readyz follows the Temporal server', () => {
  it('is ready while Temporal serves and unavailable (503) once it is stopped, while the process keeps answering', async () => {
    const state = await mkdtemp(join(tmpdir(), 'readyz-'));
    const script = join(process.cwd(), 'scripts', 'temporal-dev.sh');
    try {
      await execa('bash', [script, 'start', state, '--headless']);
      const address = /TEMPORAL_ADDRESS=(\S+)/.exec(await readFile(join(state, 'temporal.env'), 'utf8'))![1]!;
      const health = temporalReadiness(address);
      const noOps = {} as ExchangeOperations; // readiness never starts workflows
      const app = createApp({
        operations: noOps,
        kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
        temporalUiUrl: 'http://127.0.0.1:8233',
        temporalNamespace: 'default',
        logger: createLogger('silent', 'test'),
        readiness: { temporal: health.check },
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const ready = await http.get(`${base}/readyz`);
        expect(ready.status).toBe(200);
        expect(ready.data).toEqual({ status: 'ready', checks: { temporal: 'ok' } });

        await execa('bash', [script, 'stop', state]);
        const down = await http.get(`${base}/readyz`);
        expect(down.status).toBe(503);
        expect(down.data.status).toBe('unavailable');
        expect(down.data.checks.temporal).toMatch(/^unavailable/);
        expect((await http.get(`${base}/healthz`)).status).toBe(200);
      } finally {
        server.close();
        await health.close();
      }
    } finally {
      await execa('bash', [script, 'stop', state]).catch(() => undefined);
      await rm(state, { recursive: true, force: true });
    }
  });
});
