// The kubeconfig helm reads: a private temp file that never outlives the helm call, and the sweep of what a
// crashed predecessor left behind.
import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeconfigObject } from '../src/domain/kubeconfig.js';

/**
 * Writes the kubeconfig to a fresh 0700 directory as a 0600 file, runs `fn` with its path and removes the
 * directory on every path out.
 */
export async function withKubeconfigFile<T>(kubeconfig: KubeconfigObject, fn: (path: string) => Promise<T>, baseDir = tmpdir()): Promise<T> {
  // the pid in the name tells removeStaleKubeconfigDirs whether the directory's owner still runs
  const dir = await mkdtemp(join(baseDir, `ned-kube-${process.pid}-`));
  try {
    const file = join(dir, 'kubeconfig.yaml');
    await writeFile(file, yaml.dump(kubeconfig), { mode: 0o600, flag: 'wx' });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether process `pid` runs (EPERM: it does, as another user). */
function running(pid: number): boolean {
  try {
    return process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the `ned-kube-*` directories (kubeconfigs: credentials) a crashed predecessor left in `tempDir`; returns
 * how many. Skips those of other users and of another worker that still runs (its pid is in the name; our own pid
 * counts as a predecessor's: a restarted container reuses it). Call it before this worker starts any helm.
 */
export async function removeStaleKubeconfigDirs(tempDir = tmpdir()): Promise<number> {
  const uid = process.getuid?.();
  let removed = 0;
  const names = await readdir(tempDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const name of names) {
    if (!name.startsWith('ned-kube-')) continue;
    const owner = /^ned-kube-(\d{1,10})-/.exec(name)?.[1];
    if (owner !== undefined && Number(owner) !== process.pid && running(Number(owner))) continue;
    const path = join(tempDir, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
