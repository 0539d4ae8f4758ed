// What createActivities (index.ts) shares with the activities kept in files of their own (preview.ts,
// rollback.ts): the same kubeconfig handling, values, chart source and readiness watch, so a preview renders
// exactly what an upgrade would apply and a rollback waits like an upgrade does.
import type { ValuesGuard } from '../src/domain/values-guard.js';
import type { HelmValues, ReleaseRef } from '../workflows/shared.js';
import type { ChartSource, HelmTarget } from './helm-args.js';
import type { HelmRunnerOptions } from './helm-runner.js';
import type { KubeTarget, StoredRelease } from './kube-api.js';
import type { Values } from '../src/domain/values.js';

export interface ActivityKit {
  helm: { baseValuesPath: string; timeoutSeconds: number; wait?: 'watcher' | 'legacy'; historyMax: number };
  valuesGuard?: ValuesGuard;
  /** Validates the kubeconfig again, writes the minimal one to a private temp file for fn, removes it after. */
  withRelease<T>(ref: ReleaseRef, fn: (target: HelmTarget, opts: HelmRunnerOptions, dir: string, kube: KubeTarget) => Promise<T>): Promise<T>;
  baseValues(): Promise<Values>;
  /** Dotted keys expanded; a bad key is a non-retryable InvalidValues failure. */
  expand(values: HelmValues): Values;
  /** The chart helm gets (a repository chart pulled once into the cache). */
  chartSource(heartbeat?: (details: unknown) => void): Promise<ChartSource>;
  /** Runs fn while the StatefulSet's readiness is reported to the workflow (when helm waits). */
  watchingReadiness<T>(kube: KubeTarget, target: HelmTarget, statefulSet: string, fn: () => Promise<T>): Promise<T>;
  /** A failed cluster API call as a Temporal failure: credentials refused are final, anything else retried. */
  clusterFailure(err: unknown, what: string): Error;
  /** helm's release records, newest first, read through the API server; a failed read is a clusterFailure. */
  readReleaseRecords(kube: KubeTarget, namespace: string, release: string): Promise<StoredRelease[]>;
}
