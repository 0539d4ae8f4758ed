// The processes as they are deployed: src/main/api.ts and src/main/worker.ts started as separate processes with
// nothing but environment variables, the seed's POST and DELETE through them, then SIGTERM: both drain and exit 0.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import { execa, type ResultPromise } from 'execa';
import { helmReleaseNames, testKubeconfig } from '../support/cluster.js';
import { testEnv, uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

describe('the API and worker processes', () => {
  let dir: string;
  let api: ResultPromise | undefined;
  let worker: ResultPromise | undefined;

  afterEach(async () => {
    api?.kill('SIGKILL');
    worker?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // from source as `npm run dev` runs them, and compiled as the container image runs them (`npm run build`)
  it.each([
    ['from source (tsx)', resolve('node_modules/.bin/tsx'), 'src/main/api.ts', 'src/main/worker.ts'],
    ['compiled (node dist/)', process.execPath, 'dist/src/main/api.js', 'dist/src/main/worker.js'],
  ])('%s: serve the seed contract from environment configuration and exit cleanly on SIGTERM', async (_how, runner, apiMain, workerMain) => {
    const env = testEnv();
    if (!existsSync(resolve(apiMain))) throw new Error(`${apiMain} is missing: run \`npm run build\` first (scripts/test.sh does)`);
    dir = await mkdtemp(join(tmpdir(), 'entry-'));
    const port = await freePort();
    const metricsPort = await freePort();
    const common = {
      TEMPORAL_ADDRESS: env.temporalAddress,
      TEMPORAL_TASK_QUEUE: uniqueName('tq-proc'),
      PAYLOAD_KEYS: env.payloadKeys,
      PORT: String(port),
      HELM_BIN: env.helmBin,
      HELM_CHART: env.chart,
      REGISTRY_DB_PATH: join(dir, 'registry.sqlite'),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
      // the test cluster is on loopback, which a kubeconfig may only name when the operator allows it
      KUBE_SERVER_ALLOWLIST: '127.0.0.1',
    };
    worker = execa(runner, [workerMain], { env: common, reject: false, all: true });
    api = execa(runner, [apiMain], { env: common, reject: false, all: true });
    const base = `http://127.0.0.1:${port}`;
    await eventually('the API to listen', async () => ((await http.get(`${base}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000);
    await eventually('the worker metrics endpoint', async () => ((await http.get(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000);
    expect((await http.get(`${base}/readyz`)).data).toEqual({ status: 'ready', checks: { temporal: 'ok', registry: 'ok' } });

    const release = uniqueName('nats-proc');
    const namespace = uniqueName('ns');
    const kubeconfig = testKubeconfig();
    const post = await http.post(`${base}/exchange`, {
      kubeconfig,
      helm_values: { 'config.jetstream.enabled': true },
      release_name: release,
      org_ids: 'org001',
      cluster_id: 'proc-cluster',
      name: 'Process Bus',
      namespace,
    });
    expect(post.status).toBe(200);
    expect(post.data).toMatchObject({ success: true, release_name: release, namespace, public_url: `https://127.0.0.1/nats/${release}` });
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    // the embedded registry, over its own REST API
    const record = await http.get(`${base}/backbones/${post.data.system_id}`);
    expect(record.status).toBe(200);
    expect(record.data.backbone).toMatchObject({ release_name: release, org_ids: ['org001'] });
    const del = await http.delete(`${base}/exchange/${post.data.system_id}`, { data: { kubeconfig, release_name: release, namespace } });
    expect(del.data).toMatchObject({ success: true, message: `Exchange '${release}' removed from cluster and DB` });

    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    const [a, w] = await Promise.all([api, worker]);
    expect({ api: a.exitCode, worker: w.exitCode }).toEqual({ api: 0, worker: 0 });
    // nothing the processes logged carries the kubeconfig's token
    const token = (kubeconfig.users as Array<{ user: { token: string } }>)[0]!.user.token;
    expect(String(a.all)).not.toContain(token);
    expect(String(w.all)).not.toContain(token);
  });
});
