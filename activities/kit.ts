// What every activity file shares, built once per worker from its deps: the kubeconfig handling (validated
// again, written to a private temp file for one operation), values, the chart source, the readiness watch, the
// release records, and the one `helm upgrade` every deploy and update runs. A preview renders exactly what an
// upgrade would apply and a rollback waits as an upgrade does, because they use the same kit.
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import yaml from 'js-yaml';
import { KubeconfigError, resolveKubeconfig } from '../src/domain/kubeconfig.js';
import { isRefusal, resolveValues, type ResolvedValues } from '../src/domain/values-guard.js';
import { deepMerge, expandDottedKeys, isPlainObject, ValuesError, type Values } from '../src/domain/values.js';
import { FailureType, type HelmValues, type ReleaseRef } from '../workflows/shared.js';
import { createChartCache } from './chart-cache.js';
import { checkedLookup, startEgressProxy, type EgressProxy } from './egress.js';
import { attempt, clusterFailure, inActivity, releaseInfo, reportToWorkflow, secretsOf } from './context.js';
import { realSideEffects, type ActivityDeps, type HelmReleaseResult } from './deps.js';
import { rollbackArgs, uninstallArgs, upgradeArgs, type ChartSource, type HelmTarget } from './helm-args.js';
import { recoveryFor } from './helm-recovery.js';
import type { HelmRunnerOptions } from './helm-runner.js';
import type { Claim, KubeTarget, StoredRelease } from './kube-api.js';
import { watchReadiness } from './readiness.js';

/** One open operation on a release: helm's target, runner options, a private directory, the API server. */
export interface Operation {
  target: HelmTarget;
  opts: HelmRunnerOptions;
  /** The 0700 directory holding the kubeconfig; files written here are removed with it. */
  dir: string;
  kube: KubeTarget;
  /** The reduced kubeconfig (for public_url and the like). */
  kubeconfig: Record<string, unknown>;
}

export function createKit(deps: ActivityDeps) {
  const fx = { ...realSideEffects, ...definedOnly({ runHelm: deps.runHelm, kube: deps.kube, writeKubeconfig: deps.writeKubeconfig, clock: deps.clock }) };
  /** Shared with the heartbeat, so each heartbeat says how far readiness is. */
  const live: { readiness?: string } = {};
  const chartCache = createChartCache({ helmBin: deps.helm.helmBin, env: deps.helm.env, cacheDir: deps.chartCacheDir ?? join(tmpdir(), 'ned-charts'), onFinished: deps.onHelmFinished });

  const allowlist = deps.kubeconfigPolicy.serverAllowlist ?? [];
  const lookup = checkedLookup(allowlist);
  // started on first use, shared by every helm run of this worker
  let egress: Promise<EgressProxy> | undefined;
  const egressEnv = async (): Promise<Record<string, string>> => {
    const { url } = await (egress ??= startEgressProxy(allowlist));
    return { HTTPS_PROXY: url, HTTP_PROXY: url, https_proxy: url, http_proxy: url, NO_PROXY: '', no_proxy: '' };
  };

  const runnerOptions = (kubeconfig: Record<string, unknown>, dir: string, proxyEnv: Record<string, string>): HelmRunnerOptions => {
    const ctx = inActivity();
    return {
      helmBin: deps.helm.helmBin,
      // every run its own caches inside its private temp dir: client-go's discovery cache is keyed by the server
      // string, so a shared one lets one tenant's crafted server write another's entries; its connections to the
      // cluster go through the worker's egress proxy, which checks the addresses a name resolves to
      env: { ...deps.helm.env, ...proxyEnv, HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache'), HELM_CACHE_HOME: join(dir, 'helm-cache') },
      limits: deps.helm.limits,
      heartbeat: ctx ? (d) => ctx.heartbeat(live.readiness ? { ...(d as object), readiness: live.readiness } : d) : undefined,
      signal: ctx?.cancellationSignal,
      redact: secretsOf(kubeconfig),
      onFinished: deps.onHelmFinished,
    };
  };

  /** Validates the kubeconfig again (the worker does not trust its caller) and writes the minimal one for fn. */
  async function withRelease<T>(ref: ReleaseRef, fn: (op: Operation) => Promise<T>): Promise<T> {
    let minimal: Record<string, unknown>;
    try {
      minimal = resolveKubeconfig(ref.kubeconfig, deps.kubeconfigPolicy).minimal;
    } catch (err) {
      if (err instanceof KubeconfigError) throw ApplicationFailure.nonRetryable(err.message, FailureType.invalidKubeconfig);
      throw err;
    }
    const ctx = inActivity();
    const proxyEnv = await egressEnv();
    // heartbeats also while only the API server is read: a cancellation reaches the activity, and a read that
    // hangs is bounded by its own 10 s timeout, not by the heartbeat timeout
    const beat = ctx ? setInterval(() => ctx.heartbeat(live.readiness ? { readiness: live.readiness } : undefined), 2000) : undefined;
    try {
      return await fx.writeKubeconfig(
        minimal,
        (kubeconfigPath) =>
          fn({
            target: { kubeconfigPath, releaseName: ref.releaseName, namespace: ref.namespace },
            opts: runnerOptions(minimal, join(kubeconfigPath, '..'), proxyEnv),
            dir: join(kubeconfigPath, '..'),
            kube: fx.kube.kubeTarget(minimal, ctx?.cancellationSignal, lookup),
            kubeconfig: minimal,
          }),
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

  /**
   * The worker's own pass of the values guard over retained + requested (whoever wrote them): the overrides helm
   * gets, with the switches the request needs, or a final failure typed as the guard refused (`what` prefixes it).
   */
  function guardValues(requested: Values, retained: Values = {}, what?: string): ResolvedValues {
    const guard = deps.valuesGuard;
    if (!guard) return { values: requested, implied: [], overrides: deepMerge(retained, requested) };
    const r = resolveValues(guard, requested, retained);
    if (!isRefusal(r)) return r;
    throw ApplicationFailure.create({ message: what ? `${what}: ${r.message}` : r.message, type: r.type, nonRetryable: true, details: [{ issues: r.issues }] });
  }

  async function baseValues(): Promise<Values> {
    const loaded = yaml.load(await readFile(deps.helm.baseValuesPath, 'utf8'));
    return isPlainObject(loaded) ? loaded : {};
  }

  /** helm's release records, newest first; a failed read is a cluster failure (retried, or final on 401/403). */
  function readReleaseRecords(kube: KubeTarget, namespace: string, release: string): Promise<StoredRelease[]> {
    return fx.kube.releaseRecords(kube, namespace, release).catch((err: unknown) => {
      throw clusterFailure(err, `reading release ${release}`);
    });
  }

  function readClaims(kube: KubeTarget, namespace: string, release: string): Promise<Claim[]> {
    return fx.kube.releaseClaims(kube, namespace, release).catch((err: unknown) => {
      throw clusterFailure(err, "listing the release's PersistentVolumeClaims");
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

  /** Runs fn while the StatefulSet's readiness is reported to the workflow (only when helm waits for readiness). */
  async function watchingReadiness<T>(kube: KubeTarget, target: HelmTarget, statefulSet: string, fn: () => Promise<T>): Promise<T> {
    if (!deps.helm.wait) return fn();
    const watch = watchReadiness({
      read: () => fx.kube.statefulSetReadiness(kube, target.namespace, statefulSet),
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

  /**
   * On a retry, clears the pending-* state an earlier attempt of ours left when its helm was killed (the release's
   * newest status, when the caller has read it already). Call before reading what is deployed.
   */
  async function recoverInterrupted(op: Operation, newestStatus?: string): Promise<void> {
    if (attempt() <= 1) return;
    const status = newestStatus ?? (await readReleaseRecords(op.kube, op.target.namespace, op.target.releaseName))[0]?.status;
    const action = recoveryFor(status, attempt());
    if (action === 'none') return;
    inActivity()?.log.warn('recovering a release left pending by an interrupted helm run', { release: op.target.releaseName, status, action });
    const args = action === 'uninstall' ? uninstallArgs({ ...op.target, timeoutSeconds: deps.helm.timeoutSeconds }) : rollbackArgs({ ...op.target, timeoutSeconds: deps.helm.timeoutSeconds });
    await fx.runHelm(args, op.opts);
  }

  /** `helm upgrade [--install]` with the base values and `overrides`, inside an open withRelease, after recoverInterrupted. */
  async function upgrade(op: Operation, overrides: Values, o: { install: boolean; labels?: Record<string, string> }): Promise<HelmReleaseResult> {
    const overridesPath = join(op.dir, 'overrides.json');
    await writeFile(overridesPath, JSON.stringify(overrides), { mode: 0o600 });
    const args = upgradeArgs({
      ...op.target,
      // a repository chart is pulled once, then helm gets the local .tgz (no download per deploy)
      source: await chartSource(op.opts.heartbeat),
      valuesFiles: [deps.helm.baseValuesPath, overridesPath],
      install: o.install,
      timeoutSeconds: deps.helm.timeoutSeconds,
      wait: deps.helm.wait,
      historyMax: deps.helm.historyMax,
      // an update that cannot become ready (or is refused half-way) goes back to the last deployed revision
      rollbackOnFailure: !o.install && deps.helm.wait !== undefined,
      labels: o.labels,
    });
    return releaseInfo((await fx.runHelm(args, op.opts)).stdout);
  }

  const chartSource = (heartbeat?: (details: unknown) => void): Promise<ChartSource> => chartCache.resolveSource(deps.helm.source, heartbeat);

  return { deps, fx, withRelease, expand, guardValues, baseValues, readReleaseRecords, readClaims, lastDeployed, watchingReadiness, recoverInterrupted, upgrade, chartSource, clusterFailure };
}

export type ActivityKit = ReturnType<typeof createKit>;

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
