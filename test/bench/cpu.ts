// CPU time of the processes a deploy keeps busy, from /proc/<pid>/stat: the bench's own children (raw helm), the
// worker and the helm processes it reaped, the API, the Temporal server and the kube-apiserver. At concurrency 4
// on 2 cores helm alone saturates the CPU, so what the other processes spend per deploy shows up in the wall time.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface CpuSample {
  /** utime + stime of the process itself, seconds. */
  self: number;
  /** cutime + cstime: the children it waited for (helm under the worker or the bench), seconds. */
  children: number;
}

async function sample(pid: number): Promise<CpuSample | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name; utime is field 14 of the whole line
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { self: (f[11]! + f[12]!) / CLOCK_TICKS, children: (f[13]! + f[14]!) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

async function pidFrom(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export type CpuSnapshot = Record<string, CpuSample>;

/** The pids to watch: this process, the service's (when separate processes), and the servers under `stateDir`. */
export async function cpuSnapshot(service: { api?: number; worker?: number }, stateDir: string | undefined): Promise<CpuSnapshot> {
  const pids: Record<string, number | undefined> = {
    bench: process.pid,
    api: service.api,
    worker: service.worker,
    temporal: stateDir ? await pidFrom(join(stateDir, 'temporal', 'temporal.pid')) : undefined,
    'kube-apiserver': stateDir ? await pidFrom(join(stateDir, 'cluster', 'kube-apiserver.pid')) : undefined,
  };
  const out: CpuSnapshot = {};
  for (const [name, pid] of Object.entries(pids)) {
    const s = pid ? await sample(pid) : undefined;
    if (s) out[name] = s;
  }
  return out;
}

/** CPU ms per deploy between two snapshots, by process ("worker: helm" is what the worker's children used). */
export function cpuPerDeploy(before: CpuSnapshot, after: CpuSnapshot, deploys: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name];
    if (!b || deploys <= 0) continue;
    const per = (s: number) => Math.round((s * 1000) / deploys);
    if (name === 'bench') out['raw helm (bench children)'] = per(a.children - b.children);
    else {
      out[name] = per(a.self - b.self);
      if (name === 'worker') out['worker: helm'] = per(a.children - b.children);
    }
  }
  return out;
}
