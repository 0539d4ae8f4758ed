// The invariant every fault case ends on — no orphan: no release without a registry record, no record without a
// release, no release left pending-* (or uninstalling), no kubeconfig temp dir (`ned-kube-<pid>-*`) left by the
// worker processes of the case. helm is asked directly (all states), the registry through its store.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BackboneStore } from '../../src/registry/types.js';
import { testEnv } from '../support/env.js';

export interface OrphanCheck {
  store: Pick<BackboneStore, 'list'>;
  namespaces: string[];
  /** The cluster helm is asked about; TEST_KUBECONFIG by default. */
  kubeconfigPath?: string;
  /** Where the case's workers create kubeconfig temp dirs (each case has dirs of its own), and whose count (pids; all when omitted). */
  tempDirs: Array<{ dir: string; pids?: number[] }>;
}

export interface OrphanReport {
  releasesWithoutRecord: string[];
  recordsWithoutRelease: string[];
  /** Releases in pending-install/-upgrade/-rollback or uninstalling, as `ns/name:status`. */
  pending: string[];
  /** More than one record for one (namespace, release). */
  duplicateRecords: string[];
  kubeconfigDirs: string[];
  /** Every release the namespaces hold, as `ns/name:status:revision`. */
  releases: string[];
  count: number;
}

interface HelmListed {
  name: string;
  namespace: string;
  status: string;
  revision: string | number;
}

export async function helmListAll(namespace: string, kubeconfigPath = testEnv().kubeconfigPath): Promise<HelmListed[]> {
  const env = testEnv();
  // every state (helm 4 has no --all): pending-*, failed and uninstalling included
  const states = ['--deployed', '--failed', '--pending', '--superseded', '--uninstalled', '--uninstalling'];
  const r = await execa(env.helmBin, ['list', ...states, '--namespace', namespace, '--output', 'json', '--kubeconfig', kubeconfigPath], { reject: false });
  if (r.exitCode !== 0) throw new Error(`helm list -n ${namespace} failed: ${String(r.stderr)}`);
  return JSON.parse(String(r.stdout) || '[]') as HelmListed[];
}

async function recordsIn(store: Pick<BackboneStore, 'list'>, namespace: string) {
  const out: Array<{ release_name: string; system_id: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ namespace }, { limit: 500, cursor });
    out.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return out;
}

/** `ned-kube-<pid>-*` dirs in dir, of the given pids or of any. */
export async function kubeconfigDirsIn(dir: string, pids?: number[]): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => (pids ? pids.some((p) => n.startsWith(`ned-kube-${p}-`)) : n.startsWith('ned-kube-'))).map((n) => join(dir, n));
}

export async function findOrphans(c: OrphanCheck): Promise<OrphanReport> {
  const kubeconfigPath = c.kubeconfigPath ?? testEnv().kubeconfigPath;
  const report: OrphanReport = { releasesWithoutRecord: [], recordsWithoutRelease: [], pending: [], duplicateRecords: [], kubeconfigDirs: [], releases: [], count: 0 };
  for (const ns of [...new Set(c.namespaces)]) {
    const [releases, records] = await Promise.all([helmListAll(ns, kubeconfigPath), recordsIn(c.store, ns)]);
    const recorded = new Map<string, number>();
    for (const r of records) recorded.set(r.release_name, (recorded.get(r.release_name) ?? 0) + 1);
    const released = new Set(releases.map((r) => r.name));
    for (const r of releases) {
      report.releases.push(`${ns}/${r.name}:${r.status}:${r.revision}`);
      if (!recorded.has(r.name)) report.releasesWithoutRecord.push(`${ns}/${r.name}:${r.status}`);
      if (r.status.startsWith('pending-') || r.status === 'uninstalling') report.pending.push(`${ns}/${r.name}:${r.status}`);
    }
    for (const [name, n] of recorded) {
      if (!released.has(name)) report.recordsWithoutRelease.push(`${ns}/${name}`);
      if (n > 1) report.duplicateRecords.push(`${ns}/${name} x${n}`);
    }
  }
  for (const t of c.tempDirs) report.kubeconfigDirs.push(...(await kubeconfigDirsIn(t.dir, t.pids)));
  report.count =
    report.releasesWithoutRecord.length + report.recordsWithoutRelease.length + report.pending.length + report.duplicateRecords.length + report.kubeconfigDirs.length;
  return report;
}

/** One line for a row's note and a failing assertion's message: only the non-empty findings. */
export function describeOrphans(r: OrphanReport): string {
  const parts = (
    [
      ['release without record', r.releasesWithoutRecord],
      ['record without release', r.recordsWithoutRelease],
      ['pending', r.pending],
      ['duplicate records', r.duplicateRecords],
      ['kubeconfig dirs', r.kubeconfigDirs],
    ] as const
  )
    .filter(([, v]) => v.length > 0)
    .map(([k, v]) => `${k}: ${v.join(', ')}`);
  return parts.length ? parts.join('; ') : 'none';
}
