// Pure mapping of a request onto helm's argument list (one function per verb). No shell ever sees these:
// execa passes them as argv, so release names and paths need no quoting.

export interface ChartSource {
  /** Chart name in `repoUrl`, `repo/chart` of a configured repo, a local path, or an oci:// reference. */
  chart: string;
  /** Chart repository URL; when set helm fetches `chart` from it without a `helm repo add`. */
  repoUrl?: string;
  version?: string;
}

export interface HelmTarget {
  kubeconfigPath: string;
  releaseName: string;
  namespace: string;
}

export interface UpgradeOptions extends HelmTarget {
  source: ChartSource;
  /** Values files in precedence order: the base values.yaml, then the request's overrides file. */
  valuesFiles: string[];
  /** `--install` for deploys; updates must not create a release that is gone. */
  install: boolean;
  timeoutSeconds: number;
  /** helm 4 wait strategy; undefined = do not wait for resources to become ready. */
  wait?: 'watcher' | 'legacy';
  historyMax: number;
  /** Updates: on failure (not ready in time, refused), helm restores the last deployed revision. */
  rollbackOnFailure?: boolean;
  /** Labels on helm's release record (e.g. which exchange created the release); helm merges them on upgrades. */
  labels?: Record<string, string>;
}

function common(t: HelmTarget): string[] {
  return ['--kubeconfig', t.kubeconfigPath, '--namespace', t.namespace];
}

export function upgradeArgs(o: UpgradeOptions): string[] {
  const args = ['upgrade', o.releaseName, o.source.chart];
  if (o.install) args.push('--install', '--create-namespace');
  args.push(...common(o));
  if (o.source.repoUrl) args.push('--repo', o.source.repoUrl);
  if (o.source.version) args.push('--version', o.source.version);
  for (const f of o.valuesFiles) args.push('--values', f);
  // values are given in full each time (base + overrides); never let helm mix in the previous release's values
  args.push('--reset-values');
  args.push('--timeout', `${o.timeoutSeconds}s`, '--history-max', String(o.historyMax));
  if (o.wait) args.push(`--wait=${o.wait}`);
  if (o.rollbackOnFailure) args.push('--rollback-on-failure');
  const labels = Object.entries(o.labels ?? {});
  if (labels.length) args.push('--labels', labels.map(([k, v]) => `${k}=${v}`).join(','));
  args.push('--output', 'json');
  return args;
}

export function uninstallArgs(t: HelmTarget & { timeoutSeconds: number; wait?: boolean }): string[] {
  const args = ['uninstall', t.releaseName, ...common(t), '--ignore-not-found', '--timeout', `${t.timeoutSeconds}s`];
  if (t.wait) args.push('--wait');
  return args;
}

/**
 * Rolls back to `revision`, or without one to the previous revision (helm picks the last one before the current).
 * `wait` waits for the restored objects to be ready, as upgrades do.
 */
export function rollbackArgs(t: HelmTarget & { timeoutSeconds: number; revision?: number; wait?: 'watcher' | 'legacy'; historyMax?: number }): string[] {
  const args = ['rollback', t.releaseName];
  if (t.revision !== undefined) args.push(String(t.revision));
  args.push(...common(t), '--timeout', `${t.timeoutSeconds}s`);
  if (t.wait) args.push(`--wait=${t.wait}`);
  if (t.historyMax !== undefined) args.push('--history-max', String(t.historyMax));
  return args;
}

/** `helm upgrade [--install] … --dry-run=server`: renders against the cluster (lookups, capabilities), stores nothing. */
export function previewArgs(o: Omit<UpgradeOptions, 'wait' | 'rollbackOnFailure'>): string[] {
  return [...upgradeArgs({ ...o, wait: undefined, rollbackOnFailure: false }), '--dry-run=server'];
}
