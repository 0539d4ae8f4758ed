// Every side effect of the deployer lives here. createActivities(deps) is called once by the worker with real
// clients; the workflows only see the types.
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import yaml from 'js-yaml';
import type { BackboneRecord, NewBackbone } from '../src/registry/types.js';
import { FailureType, READINESS_SIGNAL, type HelmValues, type ReleaseRef, type VolumesOutcome } from '../workflows/shared.js';
import { chartFullname, describeImmutable, immutableChanges } from '../src/domain/chart-rules.js';
import { refuseValues, type ValuesGuard } from '../src/domain/values-guard.js';
import { rollbackArgs, statusArgs, uninstallArgs, upgradeArgs, type ChartSource, type HelmTarget } from './helm-args.js';
import { createChartCache } from './chart-cache.js';
import { recoveryFor } from './helm-recovery.js';
import { deleteClaim, KubeApiError, kubeTarget, releaseClaims, releaseRecords, type KubeTarget, type StoredRelease } from './kube-api.js';
import { watchReadiness } from './readiness.js';
import type { ActivityKit } from './kit.js';
import { createPreviewActivities } from './preview.js';
import { createRollbackActivities } from './rollback.js';
import { runHelm, type HelmRunnerOptions } from './helm-runner.js';
import { KubeconfigError, resolveKubeconfig, type KubeconfigPolicy } from '../src/domain/kubeconfig.js';
import { withKubeconfigFile } from './kubeconfig-file.js';
import { derivePublicUrl as derivePublicUrlFrom } from '../src/domain/public-url.js';
import { deepMerge, expandDottedKeys, isPlainObject, retainedOverrides, ValuesError, type Values } from '../src/domain/values.js';

export interface HelmSettings {
  helmBin: string;
  source: ChartSource;
  baseValuesPath: string;
  timeoutSeconds: number;
  wait?: 'watcher' | 'legacy';
  historyMax: number;
  /** HELM_CACHE_HOME / HELM_CONFIG_HOME / HELM_DATA_HOME etc. */
  env?: Record<string, string>;
}

/** The registry operations the activities need; BackboneDBClient implements them over REST. */
export interface BackboneRegistry {
  createBackbone(rec: NewBackbone): Promise<BackboneRecord>;
  deleteBackbone(systemId: string): Promise<boolean>;
}

export interface ActivityDeps {
  helm: HelmSettings;
  kubeconfigPolicy: KubeconfigPolicy;
  publicUrlTemplate?: string;
  registry: BackboneRegistry;
  /** Where kubeconfig temp dirs are created; the OS temp dir by default. */
  tempDir?: string;
  onHelmFinished?: HelmRunnerOptions['onFinished'];
  /** How often the StatefulSet's readiness is read while helm waits. */
  readinessIntervalMs?: number;
  /**
   * How long registry calls are retried (by Temporal, one HTTP call per attempt) before the failure counts as
   * final and the deploy is compensated. A registry that is down for a few minutes is ridden out.
   */
  registryRetryWindowMs?: number;
  /** Where repository charts are pulled once per version (activities/chart-cache.ts); `<os tmpdir>/ned-charts` by default. */
  chartCacheDir?: string;
  /** The operator's values policy and the chart schema, checked again here with the release's deployed values. */
  valuesGuard?: ValuesGuard;
}

export const DEFAULT_REGISTRY_RETRY_WINDOW_MS = 10 * 60_000;

export interface ReleaseState {
  exists: boolean;
  status?: string;
  revision?: number;
  /** JetStream claims of this release name that exist before the deploy (kept by a compensation). */
  claims?: string[];
}

export interface HelmReleaseResult {
  revision: number;
  status: string;
}

function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Strings in a kubeconfig user that must never surface in an error message. */
function secretsOf(kubeconfig: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 8) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainObject(v)) Object.values(v).forEach(walk);
  };
  walk(kubeconfig.users ?? []);
  return out;
}

function releaseInfo(json: string): HelmReleaseResult {
  try {
    const parsed = JSON.parse(json) as { version?: unknown; info?: { status?: unknown } };
    return { revision: typeof parsed.version === 'number' ? parsed.version : 0, status: typeof parsed.info?.status === 'string' ? parsed.info.status : 'unknown' };
  } catch {
    return { revision: 0, status: 'unknown' };
  }
}

/** A cluster API failure: the answer names what could not be read, never the remote's text. */
function clusterFailure(err: unknown, what: string): Error {
  // a call stopped by the activity's cancellation reports the cancellation itself
  const signal = inActivity()?.cancellationSignal;
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason;
  if (err instanceof KubeApiError && (err.status === 401 || err.status === 403))
    return ApplicationFailure.nonRetryable(`${what}: the cluster refused the credentials (HTTP ${err.status})`, FailureType.helmUnauthorized);
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  // the workflow only sees a retried failure when the retries are used up: say now what is being waited for
  const attempt = inActivity()?.info.attempt;
  if (attempt !== undefined) reportToWorkflow(`waiting for the cluster (attempt ${attempt}, last error: ${message.slice(0, 200)})`);
  return ApplicationFailure.retryable(message, FailureType.helmUnavailable);
}

/** Tells the running workflow how far readiness is (its progress query and the Web UI show it). */
function reportToWorkflow(text: string): void {
  const ctx = inActivity();
  if (!ctx) return;
  try {
    const wf = ctx.info.workflowExecution;
    if (!wf) return;
    const { workflowId, runId } = wf;
    void ctx.client.workflow.getHandle(workflowId, runId).signal(READINESS_SIGNAL, text).catch(() => undefined);
  } catch {
    // no client in this context (unit tests): the heartbeat still carries it
  }
}

export function createActivities(deps: ActivityDeps) {
  /** Shared with the heartbeat, so each heartbeat says how far readiness is. */
  const live: { readiness?: string } = {};
  const chartCache = createChartCache({ helmBin: deps.helm.helmBin, env: deps.helm.env, cacheDir: deps.chartCacheDir ?? join(tmpdir(), 'ned-charts'), onFinished: deps.onHelmFinished });
  const runnerOptions = (kubeconfig: Record<string, unknown>): HelmRunnerOptions => {
    const ctx = inActivity();
    return {
      helmBin: deps.helm.helmBin,
      env: deps.helm.env,
      heartbeat: ctx ? (d) => ctx.heartbeat(live.readiness ? { ...(d as object), readiness: live.readiness } : d) : undefined,
      signal: ctx?.cancellationSignal,
      redact: secretsOf(kubeconfig),
      onFinished: deps.onHelmFinished,
    };
  };

  /** Validates the kubeconfig again (the worker does not trust its caller) and writes the minimal one. */
  async function withRelease<T>(ref: ReleaseRef, fn: (target: HelmTarget, opts: HelmRunnerOptions, dir: string, kube: KubeTarget) => Promise<T>): Promise<T> {
    let minimal: Record<string, unknown>;
    try {
      minimal = resolveKubeconfig(ref.kubeconfig, deps.kubeconfigPolicy).minimal;
    } catch (err) {
      if (err instanceof KubeconfigError) throw ApplicationFailure.nonRetryable(err.message, FailureType.invalidKubeconfig);
      throw err;
    }
    const ctx = inActivity();
    // heartbeats also while only the API server is read: a cancellation reaches the activity, and a read that
    // hangs is bounded by its own 10 s timeout, not by the heartbeat timeout
    const beat = ctx ? setInterval(() => ctx.heartbeat(live.readiness ? { readiness: live.readiness } : undefined), 2000) : undefined;
    try {
      return await withKubeconfigFile(
        minimal,
        async (kubeconfigPath) => {
          const target = { kubeconfigPath, releaseName: ref.releaseName, namespace: ref.namespace };
          return fn(target, runnerOptions(minimal), join(kubeconfigPath, '..'), kubeTarget(minimal, ctx?.cancellationSignal));
        },
        deps.tempDir,
      );
    } finally {
      if (beat) clearInterval(beat);
    }
  }

  function expand(values: HelmValues): Values {
    try {
      return expandDottedKeys(values);
    } catch (err) {
      if (err instanceof ValuesError) throw ApplicationFailure.nonRetryable(err.message, FailureType.invalidValues);
      throw err;
    }
  }

  async function baseValues(): Promise<Values> {
    const loaded = yaml.load(await readFile(deps.helm.baseValuesPath, 'utf8'));
    return isPlainObject(loaded) ? loaded : {};
  }

  /** The release's status and revision, or null when helm knows no such release. */
  async function currentRelease(target: HelmTarget, opts: HelmRunnerOptions): Promise<HelmReleaseResult | null> {
    try {
      return releaseInfo((await runHelm(statusArgs(target), opts)).stdout);
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === FailureType.releaseNotFound) return null;
      throw err;
    }
  }

  /** On a retry, clears the pending-* state an earlier attempt of ours left when its helm was killed. */
  async function recoverInterruptedOperation(target: HelmTarget, opts: HelmRunnerOptions): Promise<void> {
    const attempt = inActivity()?.info.attempt ?? 1;
    if (attempt <= 1) return;
    const status = (await currentRelease(target, opts))?.status;
    const action = recoveryFor(status, attempt);
    if (action === 'none') return;
    inActivity()?.log.warn('recovering a release left pending by an interrupted helm run', { release: target.releaseName, status, action });
    if (action === 'uninstall') await runHelm(uninstallArgs({ ...target, timeoutSeconds: deps.helm.timeoutSeconds }), opts);
    else await runHelm(rollbackArgs({ ...target, timeoutSeconds: deps.helm.timeoutSeconds }), opts);
  }

  /** Runs fn while the StatefulSet's readiness is watched (only when helm waits for readiness). */
  async function watchingReadiness<T>(kube: KubeTarget, target: HelmTarget, statefulSet: string, fn: () => Promise<T>): Promise<T> {
    if (!deps.helm.wait) return fn();
    const watch = watchReadiness({
      target: kube,
      namespace: target.namespace,
      statefulSet,
      intervalMs: deps.readinessIntervalMs,
      onChange: (text) => {
        live.readiness = text;
        inActivity()?.heartbeat({ verb: 'upgrade', readiness: text });
        reportToWorkflow(text);
      },
    });
    try {
      return await fn();
    } finally {
      watch.stop();
      live.readiness = undefined;
    }
  }

  /** Runs `helm upgrade [--install]` with the base values and `overrides`, inside an open withRelease. */
  async function upgrade(target: HelmTarget, opts: HelmRunnerOptions, dir: string, overrides: Values, install: boolean): Promise<HelmReleaseResult> {
    const overridesPath = join(dir, 'overrides.json');
    await writeFile(overridesPath, JSON.stringify(overrides), { mode: 0o600 });
    await recoverInterruptedOperation(target, opts);
    const args = upgradeArgs({
      ...target,
      // a repository chart is pulled once, then helm gets the local .tgz (no download per deploy)
      source: await chartCache.resolveSource(deps.helm.source, opts.heartbeat),
      valuesFiles: [deps.helm.baseValuesPath, overridesPath],
      install,
      timeoutSeconds: deps.helm.timeoutSeconds,
      wait: deps.helm.wait,
      historyMax: deps.helm.historyMax,
      // an update that cannot become ready (or is refused half-way) goes back to the last deployed revision
      rollbackOnFailure: !install && deps.helm.wait !== undefined,
    });
    const { stdout } = await runHelm(args, opts);
    return releaseInfo(stdout);
  }

  // what the activities in preview.ts and rollback.ts share with these
  const chartSource = (heartbeat?: (details: unknown) => void) => chartCache.resolveSource(deps.helm.source, heartbeat);
  const kit: ActivityKit = { helm: deps.helm, valuesGuard: deps.valuesGuard, withRelease, baseValues, expand, chartSource, watchingReadiness, clusterFailure, readReleaseRecords };

  return {
    ...createPreviewActivities(kit),
    ...createRollbackActivities(kit),
    /** Whether the release exists, and in which state (deployed, failed, pending-install, …). */
    async helmReleaseStatus(ref: ReleaseRef): Promise<ReleaseState> {
      // helm's release records read through the API server: no helm process for a yes/no question
      return withRelease(ref, async (target, _opts, _dir, kube) => {
        const [records, claims] = await Promise.all([
          readReleaseRecords(kube, target.namespace, target.releaseName),
          releaseClaims(kube, target.namespace, target.releaseName).catch((err: unknown) => {
            throw clusterFailure(err, `reading release ${target.releaseName}`);
          }),
        ]);
        const newest = records[0];
        return newest ? { exists: true, status: newest.status, revision: newest.revision, claims } : { exists: false, claims };
      });
    },

    /** `helm upgrade --install` with the base values and the request's overrides. Idempotent. */
    async helmUpgradeInstall(input: { release: ReleaseRef; helmValues: HelmValues }): Promise<HelmReleaseResult> {
      const overrides = expand(input.helmValues);
      const statefulSet = chartFullname(input.release.releaseName, deepMerge(await baseValues(), overrides));
      return withRelease(input.release, (target, opts, dir, kube) =>
        watchingReadiness(kube, target, statefulSet, () => upgrade(target, opts, dir, overrides, true)),
      );
    },

    /**
     * `helm upgrade` (no install) with the new overrides on top of the overrides the release already has.
     * Retried attempts read the values again, so a retry after a half-applied upgrade converges.
     */
    async helmUpgrade(input: { release: ReleaseRef; helmValues: HelmValues }): Promise<HelmReleaseResult> {
      const fresh = expand(input.helmValues);
      const base = await baseValues();
      return withRelease(input.release, async (target, opts, dir, kube) => {
        // the merge starts from the last *deployed* revision: a failed upgrade's values are never carried on
        const deployedBefore = await lastDeployed(kube, target);
        const current = deployedBefore.config;
        const overrides = deepMerge(retainedOverrides(current, base), fresh);
        const before = deepMerge(base, current);
        const after = deepMerge(base, overrides);
        const statefulSet = chartFullname(target.releaseName, after);
        const immutable = immutableChanges(before, after);
        if (immutable.length)
          throw ApplicationFailure.create({ message: describeImmutable(immutable, statefulSet), type: FailureType.immutableField, nonRetryable: true, details: [{ keys: immutable }] });
        const refusal = deps.valuesGuard ? refuseValues(deps.valuesGuard, fresh, retainedOverrides(current, base)) : null;
        if (refusal) throw ApplicationFailure.create({ message: refusal.message, type: refusal.type, nonRetryable: true, details: [{ issues: refusal.issues }] });
        try {
          return await watchingReadiness(kube, target, statefulSet, () => upgrade(target, opts, dir, overrides, false));
        } catch (err) {
          throw await explainRollback(err, kube, target, deployedBefore.revision);
        }
      });
    },

    /** `helm uninstall --ignore-not-found`: a release that is already gone is success. */
    async helmUninstall(input: ReleaseRef & { deleteData?: boolean; keepClaims?: string[] }): Promise<{ uninstalled: boolean; volumes: VolumesOutcome }> {
      return withRelease(input, async (target, opts, _dir, kube) => {
        // helm prints "uninstalled" even for a release it did not find, so ask first (its records, not a helm process)
        const exists = (await readReleaseRecords(kube, target.namespace, target.releaseName)).length > 0;
        if (exists) await runHelm(uninstallArgs({ ...target, timeoutSeconds: deps.helm.timeoutSeconds }), opts);
        // the chart sets no claim retention: the StatefulSet's JetStream claims outlive the release
        const claims = await releaseClaims(kube, target.namespace, target.releaseName).catch((err: unknown) => {
          throw clusterFailure(err, 'listing the release\'s PersistentVolumeClaims');
        });
        if (!input.deleteData) return { uninstalled: exists, volumes: { action: 'kept', claims } };
        const doomed = claims.filter((c) => !(input.keepClaims ?? []).includes(c));
        for (const c of doomed) {
          await deleteClaim(kube, target.namespace, c).catch((err: unknown) => {
            throw clusterFailure(err, `deleting PersistentVolumeClaim ${c}`);
          });
        }
        return { uninstalled: exists, volumes: { action: 'deleted', claims: doomed } };
      });
    },

    derivePublicUrl(input: { kubeconfig: Record<string, unknown>; releaseName: string; namespace: string; clusterId: string }): Promise<string> {
      try {
        return Promise.resolve(derivePublicUrlFrom({ ...input, template: deps.publicUrlTemplate }));
      } catch (err) {
        return Promise.reject(ApplicationFailure.nonRetryable((err as Error).message, FailureType.invalidKubeconfig));
      }
    },

    async registerBackbone(rec: NewBackbone): Promise<BackboneRecord> {
      try {
        return await deps.registry.createBackbone(rec);
      } catch (err) {
        throw registryFailure(err, 'register', deps.registryRetryWindowMs ?? DEFAULT_REGISTRY_RETRY_WINDOW_MS);
      }
    },

    /** A record that is already gone is success. */
    async deregisterBackbone(systemId: string): Promise<{ deleted: boolean }> {
      try {
        return { deleted: await deps.registry.deleteBackbone(systemId) };
      } catch (err) {
        throw registryFailure(err, 'deregister', deps.registryRetryWindowMs ?? DEFAULT_REGISTRY_RETRY_WINDOW_MS);
      }
    },
  };
}

/**
 * A registry failure as Temporal should treat it. Conflicts and other 4xx are final at once; anything else is
 * retried by the activity's retry policy until the retry window (counted from the first attempt) is used up,
 * and each failed attempt tells the workflow "waiting for the registry (attempt n, last error …)".
 */
function registryFailure(err: unknown, what: string, windowMs: number): ApplicationFailure {
  const e = err as { message?: string; retryable?: boolean; code?: string };
  const reason = e.message ?? String(err);
  const message = `registry ${what} failed: ${reason}`;
  if (e.code === 'conflict') return ApplicationFailure.nonRetryable(message, FailureType.registryConflict);
  if (e.retryable === false) return ApplicationFailure.nonRetryable(message, FailureType.registryRejected);
  const info = inActivity()?.info;
  if (info) {
    const elapsed = Date.now() - info.scheduledTimestampMs;
    if (elapsed >= windowMs) {
      return ApplicationFailure.nonRetryable(
        `${message} (gave up after ${info.attempt} attempts over ${Math.round(elapsed / 1000)} s, the retry window)`,
        FailureType.registryUnavailable,
      );
    }
    reportToWorkflow(`waiting for the registry (attempt ${info.attempt}, last error: ${reason.slice(0, 200)})`);
  }
  return ApplicationFailure.retryable(message, FailureType.registryUnavailable);
}

/** helm's release records of a release, newest first; a failed read is a cluster failure (retried, or final on 401/403). */
function readReleaseRecords(kube: KubeTarget, namespace: string, release: string): Promise<StoredRelease[]> {
  return releaseRecords(kube, namespace, release).catch((err: unknown) => {
    throw clusterFailure(err, `reading release ${release}`);
  });
}

/** The newest deployed revision's values (helm's user-supplied values), read from helm's release records. */
async function lastDeployed(kube: KubeTarget, target: HelmTarget): Promise<{ revision: number; config: Values }> {
  const records = await readReleaseRecords(kube, target.namespace, target.releaseName);
  const deployed = records.find((r) => r.status === 'deployed');
  if (!deployed) {
    throw ApplicationFailure.nonRetryable(
      records.length ? `Release '${target.releaseName}' has no deployed revision (newest: ${records[0]!.status})` : `Release '${target.releaseName}' not found`,
      FailureType.releaseNotFound,
    );
  }
  return { revision: deployed.revision, config: deployed.config };
}

/** After a failed update: says whether helm went back to the previous values (it rolls back on failure). */
async function explainRollback(err: unknown, kube: KubeTarget, target: HelmTarget, previous: number): Promise<unknown> {
  if (!(err instanceof ApplicationFailure) || err.type === 'HelmCancelled') return err;
  const now = await lastDeployed(kube, target).catch(() => undefined);
  if (!now || now.revision <= previous) return err;
  return ApplicationFailure.create({
    message: `${err.message} — rolled back: revision ${now.revision} restores the values of revision ${previous}`,
    type: err.type ?? FailureType.helmRejected,
    nonRetryable: true,
    details: [{ rolledBackTo: now.revision, restoredRevision: previous }],
  });
}

export type Activities = ReturnType<typeof createActivities>;
