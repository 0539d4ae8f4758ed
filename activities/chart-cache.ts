// A chart from a repository is fetched once per (repository, chart, version), not on every deploy:
// `helm upgrade --repo` downloads index.yaml and the .tgz each time it runs. Here the first deploy runs
// `helm pull` into the cache directory and every later one (in this process or, as the file stays on disk, the
// next worker process) passes helm the local .tgz. Local paths and oci:// references are passed through untouched.
import { createHash } from 'node:crypto';
import { access, lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChartSource } from './helm-args.js';
import { runHelm, type HelmRunnerOptions } from './helm-runner.js';

export interface ChartCacheOptions {
  helmBin: string;
  /** Root of the cache; charts land in `<cacheDir>/<sha256(repo url)>/<chart>-<version>/<file>.tgz`. */
  cacheDir: string;
  /** HELM_CACHE_HOME etc., as for every other helm run (runHelm applies the minimal environment). */
  env?: Record<string, string>;
  /** Observes each pull (the worker's ned_helm_duration_seconds{verb="pull"}). */
  onFinished?: HelmRunnerOptions['onFinished'];
}

export interface ChartCache {
  /** The chart helm should be given: a local .tgz for a cacheable repository chart, else `source.chart`. */
  resolve(source: ChartSource, heartbeat?: (details: unknown) => void): Promise<string>;
  /** The whole source for upgradeArgs: `{ chart: <.tgz> }` when cached, the source unchanged otherwise. */
  resolveSource(source: ChartSource, heartbeat?: (details: unknown) => void): Promise<ChartSource>;
}

// Only an exact version names one chart forever; a range (`^2.14`, `>=2`) must be resolved by helm each time.
const EXACT_VERSION = /^v?\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?$/;
// The chart name becomes a directory name: nothing that could climb out of the cache.
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEARTBEAT_MS = 2000;

function cacheable(source: ChartSource): source is ChartSource & { repoUrl: string; version: string } {
  return !!source.repoUrl && !!source.version && EXACT_VERSION.test(source.version) && PLAIN_NAME.test(source.chart) && !source.chart.includes('..');
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** The one .tgz in a directory (helm names it after the chart's own name and version), if any. */
async function chartFileIn(dir: string): Promise<string | undefined> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const tgz = files.filter((f) => f.endsWith('.tgz'));
  return tgz.length === 1 ? join(dir, tgz[0]!) : undefined;
}

export function createChartCache(o: ChartCacheOptions): ChartCache {
  /** Pulls in flight or done, by cache directory: concurrent deploys share one pull; a failed one is dropped. */
  const pulls = new Map<string, Promise<string>>();
  let privateRoot: Promise<boolean> | undefined;

  /**
   * Whether the cache root is ours alone. In a shared temp dir anyone could create `ned-charts` first and plant a
   * chart there that we would deploy; such a root is not used (helm fetches from the repository as before).
   */
  function rootIsPrivate(): Promise<boolean> {
    privateRoot ??= (async () => {
      await mkdir(o.cacheDir, { recursive: true, mode: 0o700 });
      const st = await lstat(o.cacheDir);
      return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
    })().catch(() => false);
    return privateRoot;
  }

  async function pull(source: ChartSource & { repoUrl: string; version: string }, dir: string): Promise<string> {
    // left by an earlier process (or pulled before this one started): no download at all
    const onDisk = await chartFileIn(dir);
    if (onDisk) return onDisk;
    const parent = join(dir, '..');
    await mkdir(parent, { recursive: true, mode: 0o700 });
    // pulled into a private temp dir, then renamed into place: another worker process sharing the cache never
    // sees a half-written .tgz, and a pull killed half-way leaves nothing that looks complete
    const staging = await mkdtemp(join(parent, '.pull-'));
    try {
      await runHelm(['pull', source.chart, '--repo', source.repoUrl, '--version', source.version, '--destination', staging], {
        helmBin: o.helmBin,
        env: o.env,
        onFinished: o.onFinished,
      });
      if (!(await chartFileIn(staging))) throw new Error(`helm pull ${source.chart} ${source.version} left no .tgz in ${staging}`);
      // a directory without an archive (its file was deleted) is no copy: make room for ours
      if ((await exists(dir)) && !(await chartFileIn(dir))) await rm(dir, { recursive: true, force: true });
      try {
        await rename(staging, dir);
      } catch (err) {
        // another process renamed its copy into place first: theirs is as good as ours
        if (!(await exists(dir))) throw err;
      }
      const file = await chartFileIn(dir);
      if (!file) throw new Error(`no chart archive in ${dir}`);
      return file;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** The pull for `dir`: the one in flight or done, or a new one. */
  function pullOnce(source: ChartSource & { repoUrl: string; version: string }, dir: string): Promise<string> {
    const existing = pulls.get(dir);
    if (existing) return existing;
    const pending = pull(source, dir);
    pulls.set(dir, pending);
    // not cached when it failed: the next deploy tries again (callers already waiting see this failure)
    pending.catch(() => {
      if (pulls.get(dir) === pending) pulls.delete(dir);
    });
    return pending;
  }

  async function resolve(source: ChartSource, heartbeat?: (details: unknown) => void): Promise<string> {
    if (!cacheable(source) || !(await rootIsPrivate())) return source.chart;
    const repoKey = createHash('sha256').update(source.repoUrl).digest('hex');
    const dir = join(o.cacheDir, repoKey, `${source.chart}-${source.version}`);
    // the activity's heartbeat timeout is short; a slow repository must not look like a dead worker
    const timer = heartbeat ? setInterval(() => heartbeat({ verb: 'pull', chart: source.chart, version: source.version }), HEARTBEAT_MS) : undefined;
    try {
      const done = pulls.get(dir);
      const file = await pullOnce(source, dir);
      if (!done || (await exists(file))) return file;
      // a cached file removed under us (a tmp cleaner) is pulled again rather than handed to helm missing
      if (pulls.get(dir) === done) pulls.delete(dir);
      return await pullOnce(source, dir);
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  return {
    resolve,
    async resolveSource(source, heartbeat) {
      const chart = await resolve(source, heartbeat);
      // --version is dropped with the local file: helm ignores it for a path (checked with helm 4.3.1: a wrong one passes too)
      return chart === source.chart ? source : { chart };
    },
  };
}
