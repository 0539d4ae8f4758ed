// The service under test, two ways: the test stack (API and worker inside this process, as the e2e suite runs
// them) or, with --processes, the compiled API and worker as two separate processes configured by environment as
// in production — the only way to read each one's own memory. startMongoApi starts a second API of the same kind
// on a MongoDB registry store, for the list latency only.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import { execa, type ResultPromise } from 'execa';
import { MongoBackboneStore } from '../../src/registry/mongo-store.js';
import { testEnv, uniqueName } from '../support/env.js';
import { startStack } from '../support/stack.js';

export interface ProcessMemory {
  pid: number;
  /** VmRSS: resident now. */
  rss_mb: number;
  /** VmHWM: the most it was resident at any time. */
  peak_rss_mb: number;
}

export interface Service {
  mode: 'in-process' | 'processes';
  baseUrl: string;
  workerMetricsUrl: string;
  /** Per process with --processes; the bench's own process (API, worker and bench together) otherwise. */
  memory(): Promise<{ api?: ProcessMemory; worker?: ProcessMemory; combined?: ProcessMemory }>;
  /** The API's and worker's pids when they are processes of their own. */
  pids: { api?: number; worker?: number };
  close(): Promise<void>;
}

const http = axios.create({ validateStatus: () => true, timeout: 5000 });

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** VmRSS and VmHWM of a live process, from /proc (kB there). */
export async function procMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { pid, rss_mb: Math.round(kb('VmRSS') / 102.4) / 10, peak_rss_mb: Math.round(kb('VmHWM') / 102.4) / 10 };
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000, proc?: ResultPromise): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (proc?.exitCode !== null && proc?.exitCode !== undefined) throw new Error(`${what}: the process exited with ${proc.exitCode}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

export async function startService(processes: boolean, chartVersion: string): Promise<Service> {
  if (!processes) {
    // helm's timeout as the raw run's (300 s); the stack's default of 60 s is for tests that expect failures
    const stack = await startStack({ helmTimeoutSeconds: 300 });
    return {
      mode: 'in-process',
      baseUrl: stack.baseUrl,
      workerMetricsUrl: stack.workerMetricsUrl,
      memory: async () => ({ combined: await procMemory(process.pid) }),
      pids: {},
      close: () => stack.close(),
    };
  }
  const metricsPort = await freePort();
  const settings = await processSettings(chartVersion, { METRICS_PORT: String(metricsPort) });
  const dir = await mkdtemp(join(tmpdir(), 'ned-bench-procs-'));
  settings.REGISTRY_DB_PATH = join(dir, 'registry.sqlite');
  const worker = runMain('worker', settings);
  const api = runMain('api', settings);
  const workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const close = async () => {
    await Promise.all([api.stop(), worker.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
  await ready(close, [api, `${api.baseUrl}/readyz`, 'the API to be ready'], [worker, workerMetricsUrl, 'the worker metrics endpoint']);
  return {
    mode: 'processes',
    baseUrl: api.baseUrl,
    workerMetricsUrl,
    memory: async () => ({ api: await procMemory(api.pid), worker: await procMemory(worker.pid) }),
    pids: { api: api.pid, worker: worker.pid },
    close,
  };
}

/**
 * A second API, used only for GET /exchange over MongoDB: its registry store is database dbName of uri and no
 * worker runs. The same kind as the service's: in this process, or (--processes) the compiled API on its own.
 */
export async function startMongoApi(processes: boolean, chartVersion: string, uri: string, dbName: string): Promise<{ baseUrl: string; close(): Promise<void> }> {
  if (!processes) {
    const store = await MongoBackboneStore.connect(uri, { dbName });
    const stack = await startStack({ worker: false, store }).catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
    return { baseUrl: stack.baseUrl, close: () => stack.close() };
  }
  const api = runMain('api', await processSettings(chartVersion, { MONGODB_URI: uri, MONGODB_DB: dbName }));
  const close = async () => {
    await api.stop();
  };
  await ready(close, [api, `${api.baseUrl}/readyz`, 'the MongoDB API to be ready']);
  return { baseUrl: api.baseUrl, close };
}

/**
 * The settings src/config.ts reads, as test/e2e/entrypoints.test.ts gives them, on a port of their own; the rest of
 * the environment (HELM_*_HOME, TMPDIR) is inherited as a deployment's would be.
 */
async function processSettings(chartVersion: string, extra: Record<string, string>): Promise<Record<string, string>> {
  if (!existsSync(resolve('dist/src/main/api.js'))) throw new Error('dist/ is missing: run `npm run build` before `--processes`');
  const env = testEnv();
  return {
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_TASK_QUEUE: uniqueName('tq-bench'),
    PAYLOAD_KEYS: env.payloadKeys,
    PORT: String(await freePort()),
    HELM_BIN: env.helmBin,
    HELM_CHART: env.chart,
    HELM_CHART_VERSION: chartVersion,
    HELM_TIMEOUT_SECONDS: '300',
    HELM_WAIT: 'watcher',
    LOG_LEVEL: 'warn',
    KUBE_SERVER_ALLOWLIST: '127.0.0.1',
    ...extra,
  };
}

interface MainProcess {
  proc: ResultPromise;
  pid: number;
  /** The API's root URL (PORT of its settings). */
  baseUrl: string;
  /** SIGTERM, and SIGKILL after 15 s; resolves when it exited. */
  stop(): Promise<unknown>;
}

/** A compiled entry point, dist/src/main/<name>.js, as a process with these settings. */
function runMain(name: 'api' | 'worker', settings: Record<string, string>): MainProcess {
  const proc = execa(process.execPath, [`dist/src/main/${name}.js`], { env: settings, reject: false, all: true });
  const stop = async () => {
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await proc;
    clearTimeout(killer);
  };
  return { proc, pid: proc.pid!, baseUrl: `http://127.0.0.1:${settings.PORT}`, stop };
}

/** Waits until each URL answers 200; on a failure closes everything and prints what the processes wrote. */
async function ready(close: () => Promise<void>, ...checks: [MainProcess, string, string][]): Promise<void> {
  try {
    for (const [p, url, what] of checks) await until(what, async () => (await http.get(url)).status === 200, 60_000, p.proc);
  } catch (err) {
    await close();
    for (const [p] of checks) console.error(String((await p.proc).all ?? ''));
    throw err;
  }
}

/** ned_helm_duration_seconds sum and count by verb (outcome ok), from the worker's Prometheus endpoint. */
export async function helmDurations(metricsUrl: string): Promise<Record<string, { count: number; sum_s: number }>> {
  const text = String((await http.get(metricsUrl)).data);
  const out: Record<string, { count: number; sum_s: number }> = {};
  for (const m of text.matchAll(/^ned_helm_duration_seconds_(sum|count)\{([^}]*)\} ([\d.e+-]+)$/gm)) {
    const labels = m[2] ?? '';
    if (!labels.includes('outcome="ok"')) continue;
    const verb = /verb="([^"]+)"/.exec(labels)?.[1] ?? '?';
    const entry = (out[verb] ??= { count: 0, sum_s: 0 });
    if (m[1] === 'sum') entry.sum_s = Number(m[3]);
    else entry.count = Number(m[3]);
  }
  return out;
}
