// What the activities are built from: settings, and every side effect as an injectable dependency (helm runner,
// kubeconfig file writer, cluster API reads, registry client, clock), so each activity can be tested with fakes
// in MockActivityEnvironment. The worker passes settings and the registry client; the rest default to the real ones.
import type { BackboneRecord, NewBackbone } from '../src/registry/types.js';
import type { KubeconfigPolicy } from '../src/domain/kubeconfig.js';
import type { ValuesGuard } from '../src/domain/values-guard.js';
import type { ChartSource } from './helm-args.js';
import { runHelm, type HelmResult, type HelmRunnerOptions } from './helm-runner.js';
import * as kubeApi from './kube-api.js';
import { withKubeconfigFile } from './kubeconfig-file.js';

export interface HelmSettings {
  helmBin: string;
  source: ChartSource;
  baseValuesPath: string;
  timeoutSeconds: number;
  wait?: 'watcher' | 'legacy';
  historyMax: number;
  /** HELM_CACHE_HOME / HELM_CONFIG_HOME / HELM_DATA_HOME etc. */
  env?: Record<string, string>;
  /** Resource limits of every helm process (prlimit): data segment (heap) and CPU seconds. */
  limits?: HelmLimits;
}

export interface HelmLimits {
  memoryBytes: number;
  cpuSeconds: number;
}

/** The registry operations the activities need; BackboneDBClient implements them over REST. */
export interface BackboneRegistry {
  createBackbone(rec: NewBackbone): Promise<BackboneRecord>;
  deleteBackbone(systemId: string): Promise<boolean>;
}

export type HelmRunner = (args: string[], opts: HelmRunnerOptions) => Promise<HelmResult>;

/** The cluster API calls the activities make (activities/kube-api.ts). */
export type KubeApi = Pick<typeof kubeApi, 'kubeTarget' | 'releaseRecords' | 'releaseClaims' | 'deleteClaim' | 'statefulSetReadiness' | 'dryRunApply'>;

export type KubeconfigFileWriter = typeof withKubeconfigFile;

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
  /** Injected side effects; the real ones by default. */
  runHelm?: HelmRunner;
  kube?: KubeApi;
  writeKubeconfig?: KubeconfigFileWriter;
  clock?: () => number;
}

export const DEFAULT_REGISTRY_RETRY_WINDOW_MS = 10 * 60_000;

export const realSideEffects = { runHelm: runHelm, kube: kubeApi as KubeApi, writeKubeconfig: withKubeconfigFile, clock: Date.now };

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
