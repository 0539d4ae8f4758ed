// Fakes for running the activities in MockActivityEnvironment: a helm runner that records each argv (and the
// overrides file it was given), a cluster API over an in-memory list of release records and claims, a registry,
// a clock, and a harness that builds createActivities(deps) over them with the real kubeconfig file writer in a
// private temp dir. No helm process and no cluster is ever touched.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import yaml from 'js-yaml';
import { createActivities, type ActivityDeps } from '../../../activities/index.js';
import type { HelmRunner, HelmSettings, KubeApi } from '../../../activities/deps.js';
import type { HelmResult } from '../../../activities/helm-runner.js';
import type { Claim, DryRunApply, KubeTarget, StoredRelease } from '../../../activities/kube-api.js';
import type { BackboneRecord, NewBackbone } from '../../../src/registry/types.js';
import type { Values } from '../../../src/domain/values.js';
import { FailureType, type ReleaseRef } from '../../../workflows/shared.js';
import { tokenKubeconfig } from '../fixtures/kubeconfig.js';

/** The project's real base values file. */
export const BASE_VALUES_PATH = fileURLToPath(new URL('../../../values.yaml', import.meta.url));
export const BASE_VALUES = yaml.load(readFileSync(BASE_VALUES_PATH, 'utf8')) as Values;
export const SYSTEM_ID = 'ex-7f3a';
/** A kubeconfig the default policy accepts (https://api.example.com:6443, token user). */
export const RELEASE: ReleaseRef = { kubeconfig: tokenKubeconfig(), releaseName: 'orders', namespace: 'communication' };
export const PUBLIC_URL = 'https://api.example.com/nats/orders';

/** The worker's helm settings: a local chart (no pull), the real base values, no --wait unless asked for. */
export function helmSettings(over: Partial<HelmSettings> = {}): HelmSettings {
  return { helmBin: 'helm-never-run', source: { chart: '/charts/nats' }, baseValuesPath: BASE_VALUES_PATH, timeoutSeconds: 300, historyMax: 10, ...over };
}

/** One of helm's release records, with its labels (e.g. exchange-id) and the values it was deployed with. */
export function record(revision: number, status: string, extra: Partial<StoredRelease> = {}): StoredRelease {
  return {
    revision,
    status,
    config: {},
    manifest: '',
    chartVersion: '2.14.2',
    appVersion: '2.11.0',
    time: null,
    description: null,
    labels: {},
    created: null,
    ...extra,
  };
}

/** helm's `--output json` answer for a release revision. */
export function helmJson(version: number, status = 'deployed'): HelmResult {
  return { stdout: JSON.stringify({ name: RELEASE.releaseName, version, info: { status } }), stderr: '' };
}

export interface HelmCall {
  args: string[];
  /** The overrides file (the second --values) as it was when helm ran; undefined for verbs without one. */
  overrides?: unknown;
  /** The environment the run was given (on top of the minimal one runHelm builds). */
  env?: Record<string, string>;
}

/** A helm runner that records every call; `answer` gives its output or throws (an ApplicationFailure, as runHelm does). */
export function fakeHelm() {
  const calls: HelmCall[] = [];
  const fake = {
    calls,
    answer: (_args: string[]): HelmResult | Promise<HelmResult> => helmJson(1),
    /** The first argv element of each call: ['uninstall', 'upgrade', …]. */
    verbs: () => calls.map((c) => c.args[0]),
    runHelm: (async (args, opts) => {
      const values = args.flatMap((a, i) => (a === '--values' ? [args[i + 1]!] : []));
      const overrides = values[1] === undefined ? undefined : JSON.parse(await readFile(values[1], 'utf8'));
      calls.push({ args, overrides, env: opts.env });
      return fake.answer(args);
    }) as HelmRunner,
  };
  return fake;
}

/** The value following `flag` in an argv. */
export const flagValue = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

export const helmFailure = (message: string, type: string = FailureType.helmNotReady): ApplicationFailure => ApplicationFailure.nonRetryable(message, type);

/** A cluster API over `records` (answered newest first, as releaseRecords does) and `claims`; `fail.*` makes a call throw. */
export function fakeKube() {
  const deleted: string[] = [];
  const state = {
    records: [] as StoredRelease[],
    claims: [] as Claim[],
    deleted,
    fail: {} as Partial<Record<'releaseRecords' | 'releaseClaims' | 'deleteClaim', Error>>,
    /** The API server's verdict on a server-side dry-run apply of `obj` (the preview's check). */
    dryRun: (_obj: Record<string, unknown>): DryRunApply => ({ outcome: 'accepted' }),
  };
  const target: KubeTarget = { server: new URL('https://api.example.com:6443'), agent: new Agent({ keepAlive: false }), headers: {} };
  const guard = (call: keyof typeof state.fail) => {
    const err = state.fail[call];
    if (err) throw err;
  };
  const api: KubeApi = {
    kubeTarget: () => target,
    releaseRecords: async () => {
      guard('releaseRecords');
      return Promise.resolve([...state.records].sort((a, b) => b.revision - a.revision));
    },
    releaseClaims: async () => {
      guard('releaseClaims');
      return Promise.resolve(state.claims.filter((c) => !deleted.includes(c.name)));
    },
    deleteClaim: async (_t, _ns, name) => {
      guard('deleteClaim');
      deleted.push(name);
      return Promise.resolve();
    },
    statefulSetReadiness: () => Promise.resolve({ ready: 1, desired: 1 }),
    dryRunApply: (_t, _ns, obj) => Promise.resolve(state.dryRun(obj)),
  };
  return { state, api };
}

/** A registry whose next calls fail with `error` when it is set. */
export function fakeRegistry() {
  const fake = {
    calls: [] as string[],
    error: undefined as unknown,
    registry: {
      createBackbone: async (rec: NewBackbone): Promise<BackboneRecord> => {
        fake.calls.push(`create ${rec.system_id}`);
        // a registry client throws Errors with code/retryable; anything else must be handled as well
        if (fake.error !== undefined) throw fake.error as Error;
        return Promise.resolve({ ...rec, created_at: '2025-01-02T03:04:05Z' });
      },
      deleteBackbone: async (systemId: string): Promise<boolean> => {
        fake.calls.push(`delete ${systemId}`);
        if (fake.error !== undefined) throw fake.error as Error;
        return Promise.resolve(true);
      },
    },
  };
  return fake;
}

/** A MockActivityEnvironment (attempt, scheduled time …) whose log lines are kept instead of printed. */
export function activityEnv(info: Partial<Info> = {}, logs: LogEntry[] = []): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: new DefaultLogger('DEBUG', (entry) => logs.push(entry)) });
}

/** env.run typed with the activity's own arguments and result (MockActivityEnvironment.run answers Promise<unknown>). */
export function runActivity<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run<A, R, typeof fn>(fn, ...args);
}

/** createActivities over the fakes, the real base values file and the real kubeconfig writer in a private temp dir. */
export async function harness(deps: Partial<ActivityDeps> = {}) {
  const tempDir = await mkdtemp(join(tmpdir(), 'ned-activities-test-'));
  const helm = fakeHelm();
  const kube = fakeKube();
  const registry = fakeRegistry();
  const clock = { now: 1_000 };
  const logs: LogEntry[] = [];
  const acts = createActivities({
    helm: helmSettings(),
    kubeconfigPolicy: { allowExec: false, allowFileReferences: false },
    registry: registry.registry,
    tempDir,
    runHelm: helm.runHelm,
    kube: kube.api,
    clock: () => clock.now,
    ...deps,
  });
  return {
    acts,
    helm,
    kube: kube.state,
    registry,
    clock,
    logs,
    tempDir,
    /** Runs an activity in a fresh MockActivityEnvironment (attempt 1). */
    run: <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => runActivity(activityEnv({}, logs), fn, ...args),
    /** Runs an activity with this activity info (attempt, scheduled time …). */
    runAt: <A extends unknown[], R>(info: Partial<Info>, fn: (...args: A) => Promise<R>, ...args: A) => runActivity(activityEnv(info, logs), fn, ...args),
    /** What is left in the temp dir (the kubeconfig directories must be gone). */
    leftovers: () => readdir(tempDir),
    dispose: () => rm(tempDir, { recursive: true, force: true }),
  };
}

export type Harness = Awaited<ReturnType<typeof harness>>;

/** The failure an activity threw (fails the test when it resolved or threw something else). */
export async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${err === undefined ? 'success' : inspect(err)}`);
  return err;
}
