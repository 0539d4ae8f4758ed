// Every side effect of the deployer lives here. createActivities(deps) is called once by the worker with real
// clients; the workflows only see the types.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import yaml from 'js-yaml';
import type { BackboneRecord, NewBackbone } from '../src/registry/types.js';
import { FailureType, type HelmValues, type ReleaseRef } from '../workflows/shared.js';
import { getValuesArgs, rollbackArgs, statusArgs, uninstallArgs, upgradeArgs, type ChartSource, type HelmTarget } from './helm-args.js';
import { recoveryFor } from './helm-recovery.js';
import { runHelm, type HelmRunnerOptions } from './helm-runner.js';
import { KubeconfigError, resolveKubeconfig, withKubeconfigFile, type KubeconfigPolicy } from './kubeconfig.js';
import { derivePublicUrl as derivePublicUrlFrom } from './public-url.js';
import { deepMerge, expandDottedKeys, isPlainObject, retainedOverrides, ValuesError, type Values } from './values.js';

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
}

export interface ReleaseState {
  exists: boolean;
  status?: string;
  revision?: number;
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

export function createActivities(deps: ActivityDeps) {
  const runnerOptions = (kubeconfig: Record<string, unknown>): HelmRunnerOptions => {
    const ctx = inActivity();
    return {
      helmBin: deps.helm.helmBin,
      env: deps.helm.env,
      heartbeat: ctx ? (d) => ctx.heartbeat(d) : undefined,
      signal: ctx?.cancellationSignal,
      redact: secretsOf(kubeconfig),
      onFinished: deps.onHelmFinished,
    };
  };

  /** Validates the kubeconfig again (the worker does not trust its caller) and writes the minimal one. */
  async function withRelease<T>(ref: ReleaseRef, fn: (target: HelmTarget, opts: HelmRunnerOptions, dir: string) => Promise<T>): Promise<T> {
    let minimal: Record<string, unknown>;
    try {
      minimal = resolveKubeconfig(ref.kubeconfig, deps.kubeconfigPolicy).minimal;
    } catch (err) {
      if (err instanceof KubeconfigError) throw ApplicationFailure.nonRetryable(err.message, FailureType.invalidKubeconfig);
      throw err;
    }
    return withKubeconfigFile(
      minimal,
      async (kubeconfigPath) => {
        const target = { kubeconfigPath, releaseName: ref.releaseName, namespace: ref.namespace };
        return fn(target, runnerOptions(minimal), join(kubeconfigPath, '..'));
      },
      deps.tempDir,
    );
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

  /** Runs `helm upgrade [--install]` with the base values and `overrides`, inside an open withRelease. */
  async function upgrade(target: HelmTarget, opts: HelmRunnerOptions, dir: string, overrides: Values, install: boolean): Promise<HelmReleaseResult> {
    const overridesPath = join(dir, 'overrides.json');
    await writeFile(overridesPath, JSON.stringify(overrides), { mode: 0o600 });
    await recoverInterruptedOperation(target, opts);
    const args = upgradeArgs({
      ...target,
      source: deps.helm.source,
      valuesFiles: [deps.helm.baseValuesPath, overridesPath],
      install,
      timeoutSeconds: deps.helm.timeoutSeconds,
      wait: deps.helm.wait,
      historyMax: deps.helm.historyMax,
    });
    const { stdout } = await runHelm(args, opts);
    return releaseInfo(stdout);
  }

  return {
    /** Whether the release exists, and in which state (deployed, failed, pending-install, …). */
    async helmReleaseStatus(ref: ReleaseRef): Promise<ReleaseState> {
      return withRelease(ref, async (target, opts) => {
        const info = await currentRelease(target, opts);
        return info ? { exists: true, status: info.status, revision: info.revision } : { exists: false };
      });
    },

    /** `helm upgrade --install` with the base values and the request's overrides. Idempotent. */
    async helmUpgradeInstall(input: { release: ReleaseRef; helmValues: HelmValues }): Promise<HelmReleaseResult> {
      const overrides = expand(input.helmValues);
      return withRelease(input.release, (target, opts, dir) => upgrade(target, opts, dir, overrides, true));
    },

    /**
     * `helm upgrade` (no install) with the new overrides on top of the overrides the release already has.
     * Retried attempts read the values again, so a retry after a half-applied upgrade converges.
     */
    async helmUpgrade(input: { release: ReleaseRef; helmValues: HelmValues }): Promise<HelmReleaseResult> {
      const fresh = expand(input.helmValues);
      const base = await baseValues();
      // one kubeconfig file for both helm calls
      return withRelease(input.release, async (target, opts, dir) => {
        const { stdout } = await runHelm(getValuesArgs(target), opts);
        const parsed: unknown = JSON.parse(stdout.trim() || 'null');
        const current = isPlainObject(parsed) ? parsed : {};
        return upgrade(target, opts, dir, deepMerge(retainedOverrides(current, base), fresh), false);
      });
    },

    /** `helm uninstall --ignore-not-found`: a release that is already gone is success. */
    async helmUninstall(ref: ReleaseRef): Promise<{ uninstalled: boolean }> {
      return withRelease(ref, async (target, opts) => {
        // helm prints "uninstalled" even for a release it did not find, so ask first
        if (!(await currentRelease(target, opts))) return { uninstalled: false };
        await runHelm(uninstallArgs({ ...target, timeoutSeconds: deps.helm.timeoutSeconds }), opts);
        return { uninstalled: true };
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
        throw registryFailure(err, 'register');
      }
    },

    /** A record that is already gone is success. */
    async deregisterBackbone(systemId: string): Promise<{ deleted: boolean }> {
      try {
        return { deleted: await deps.registry.deleteBackbone(systemId) };
      } catch (err) {
        throw registryFailure(err, 'deregister');
      }
    },
  };
}

function registryFailure(err: unknown, what: string): ApplicationFailure {
  const e = err as { message?: string; retryable?: boolean; code?: string };
  const message = `registry ${what} failed: ${e.message ?? String(err)}`;
  if (e.code === 'conflict') return ApplicationFailure.nonRetryable(message, FailureType.registryConflict);
  if (e.retryable === false) return ApplicationFailure.nonRetryable(message, FailureType.registryRejected);
  return ApplicationFailure.retryable(message, FailureType.registryUnavailable);
}

export type Activities = ReturnType<typeof createActivities>;
