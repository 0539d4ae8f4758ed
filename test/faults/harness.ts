// What the fault cases share: HTTP calls against a stack, request bodies for any cluster (a case may run its own),
// a worker as a separate process (so it can be SIGKILLed), helm processes by release, and the orphan assertion.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import { execa, type ResultPromise } from 'execa';
import yaml from 'js-yaml';
import { testEnv } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack, type StackOptions } from '../support/stack.js';
import { describeOrphans, findOrphans, type OrphanCheck, type OrphanReport } from './orphans.js';
import type { CaseRecord } from './report.js';

export const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });
export const ASYNC = { headers: { Prefer: 'respond-async' } };

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** FAULTS_FULL=1 (npm run faults): the full sizes; otherwise the bounded form `npm test` runs. */
export const FULL = process.env.FAULTS_FULL === '1';

/** A temp dir of its own for one case (its workers' kubeconfig dirs, a server's state), removed afterwards. */
export async function withCaseDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `ned-faults-${prefix}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A stack whose in-process worker writes its kubeconfig dirs into the case's dir; closed afterwards. */
export async function withStack<T>(dir: string, opts: StackOptions, fn: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack({ ...opts, kubeconfigTempDir: dir });
  try {
    return await fn(stack);
  } finally {
    await stack.close();
  }
}

export function loadKubeconfig(path = testEnv().kubeconfigPath): Record<string, unknown> {
  return yaml.load(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

export function deployBody(release: string, namespace: string, kubeconfig: Record<string, unknown>, helmValues: Record<string, unknown> = {}) {
  return { kubeconfig, helm_values: helmValues, release_name: release, org_ids: 'org001', cluster_id: 'fault-cluster', name: `exchange ${release}`, namespace };
}

export function targetBody(release: string, namespace: string, kubeconfig: Record<string, unknown>, helmValues?: Record<string, unknown>) {
  return { kubeconfig, release_name: release, namespace, ...(helmValues ? { helm_values: helmValues } : {}) };
}

/**
 * Waits until an operation (its status URL: /exchange/<system_id>/operations/<run_id>) is no longer running and
 * answers its final status body. Asks Temporal (describe) rather than the status URL while it runs: a running
 * operation's status sends a query, which a server without a live worker retries past the end of the test.
 */
export async function operationEnd(stack: Stack, statusUrl: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const m = /^\/exchange\/([^/]+)\/operations\/([^/?]+)/.exec(statusUrl);
  if (!m) throw new Error(`not an operation status URL: ${statusUrl}`);
  const handle = stack.client.workflow.getHandle(`exchange-${m[1]!}`, m[2]);
  await eventually(
    `the operation ${statusUrl} to end`,
    async () => {
      const d = await handle.describe().catch(() => undefined);
      return d && d.status.name !== 'RUNNING' ? true : undefined;
    },
    timeoutMs,
    250,
  );
  const r = await http.get(`${stack.baseUrl}${statusUrl}`);
  expect(r.status).toBe(200);
  return r.data as Record<string, unknown>;
}

export interface WorkerProcessOptions {
  helmWait?: 'watcher' | 'legacy' | 'none';
  helmTimeoutSeconds?: number;
  /** The worker's PATH; one without setpriv starts helm without a parent-death signal. */
  path?: string;
  temporalAddress?: string;
  /** KUBECONFIG_TEMP_DIR: a case's own dir, so its worker's start-up sweep touches only the case's dirs. */
  tempDir: string;
}

/** The production worker entry point as its own process (tsx as a loader, not its CLI: one process to kill). */
export function startWorkerProcess(stack: Stack, o: WorkerProcessOptions): ResultPromise {
  const env = testEnv();
  return execa(process.execPath, ['--import', 'tsx', resolve('src/main/worker.ts')], {
    env: {
      TEMPORAL_ADDRESS: o.temporalAddress ?? env.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      PAYLOAD_KEYS: env.payloadKeys,
      HELM_BIN: env.helmBin,
      HELM_CHART: env.chart,
      HELM_WAIT: o.helmWait ?? 'watcher',
      HELM_TIMEOUT_SECONDS: String(o.helmTimeoutSeconds ?? 300),
      REGISTRY_URL: stack.baseUrl,
      KUBE_SERVER_ALLOWLIST: '127.0.0.1',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      KUBECONFIG_TEMP_DIR: o.tempDir,
      // a PATH without setpriv only starts when the operator accepts that helm may outlive the worker
      ...(o.path ? { PATH: o.path, HELM_REQUIRE_PDEATHSIG: 'false' } : {}),
    },
    reject: false,
  });
}

/** The pid of the helm process running `upgrade <release>` (not helm status/uninstall), once it runs. */
export async function helmUpgradePid(release: string, timeoutMs = 60_000): Promise<number> {
  return eventually(
    `helm upgrade ${release} to run`,
    async () => {
      const r = await execa('pgrep', ['-f', `upgrade ${release} `], { reject: false });
      if (r.exitCode !== 0) return undefined;
      // setpriv execs helm in place; pgrep also matches nothing else with these words
      return Number(String(r.stdout).split('\n')[0]);
    },
    timeoutMs,
    100,
  );
}

/** True when the process does not run any more (gone, or a zombie waiting to be reaped). */
export async function processGone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || /^\d+ \(.*\) Z/.test(stat);
}

/** The parent pid of a running process, or undefined. */
export async function parentPid(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const m = /^\d+ \(.*\) \S (\d+)/.exec(stat);
  return m ? Number(m[1]) : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/**
 * The invariant: runs the orphan checker, records its count on the row and fails the case when it found any.
 * Findings settle (a helm that is still exiting, a record still being written), so it looks again for a while.
 */
export async function expectNoOrphans(rec: CaseRecord, check: OrphanCheck, settleMs = 15_000): Promise<OrphanReport> {
  const deadline = Date.now() + settleMs;
  let report = await findOrphans(check);
  while (report.count > 0 && Date.now() < deadline) {
    await sleep(500);
    report = await findOrphans(check);
  }
  rec.orphans = report.count;
  if (report.count > 0) rec.notes.push(`orphans: ${describeOrphans(report)}`);
  if (report.count > 0) throw new Error(`${report.count} orphan(s): ${describeOrphans(report)}`);
  return report;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
