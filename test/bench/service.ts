// The service under test, two ways: the test stack (API and worker inside this process, as the e2e suite runs
// them) or, with --processes, the compiled API and worker as two separate processes configured by environment as
// in production — the only way to read each one's own memory.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import { execa, type ResultPromise } from 'execa';
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
      close: () => stack.close(),
    };
  }
  if (!existsSync(resolve('dist/src/main/api.js'))) throw new Error('dist/ is missing: run `npm run build` before `--processes`');
  const env = testEnv();
  const dir = await mkdtemp(join(tmpdir(), 'ned-bench-procs-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  // the settings src/config.ts reads, as test/e2e/entrypoints.test.ts gives them; the rest of the environment
  // (HELM_*_HOME, TMPDIR) is inherited as a deployment's would be
  const common = {
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_TASK_QUEUE: uniqueName('tq-bench'),
    PAYLOAD_KEYS: env.payloadKeys,
    PORT: String(port),
    HELM_BIN: env.helmBin,
    HELM_CHART: env.chart,
    HELM_CHART_VERSION: chartVersion,
    HELM_TIMEOUT_SECONDS: '300',
    HELM_WAIT: 'watcher',
    REGISTRY_DB_PATH: join(dir, 'registry.sqlite'),
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
    KUBE_SERVER_ALLOWLIST: '127.0.0.1',
  };
  const worker = execa(process.execPath, ['dist/src/main/worker.js'], { env: common, reject: false, all: true });
  const api = execa(process.execPath, ['dist/src/main/api.js'], { env: common, reject: false, all: true });
  const baseUrl = `http://127.0.0.1:${port}`;
  const workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const close = async () => {
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    const killer = setTimeout(() => {
      api.kill('SIGKILL');
      worker.kill('SIGKILL');
    }, 15_000);
    await Promise.all([api, worker]);
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until('the API to be ready', async () => (await http.get(`${baseUrl}/readyz`)).status === 200, 60_000, api);
    await until('the worker metrics endpoint', async () => (await http.get(workerMetricsUrl)).status === 200, 60_000, worker);
  } catch (err) {
    await close();
    console.error(String((await api).all ?? ''), String((await worker).all ?? ''));
    throw err;
  }
  return {
    mode: 'processes',
    baseUrl,
    workerMetricsUrl,
    memory: async () => ({ api: await procMemory(api.pid!), worker: await procMemory(worker.pid!) }),
    close,
  };
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
