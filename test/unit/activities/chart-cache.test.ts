// The chart cache against a fake "helm" shell script that logs each pull and writes a .tgz where it was told:
// one pull however many deploys ask at once, a failed pull is tried again, and local charts never reach helm.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChartCache } from '../../../activities/chart-cache.js';

let dir: string;
let log: string;
let failFlag: string;
let helmBin: string;

// pulls take a moment (so concurrent callers really overlap); FAIL_FLAG present = the repository is down
const FAKE_HELM = `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
[ -e "$FAIL_FLAG" ] && { echo 'Error: failed to download "nats" at version "2.14.2"' >&2; exit 1; }
dest=""
while [ $# -gt 0 ]; do
  [ "$1" = "--destination" ] && dest="$2"
  shift
done
sleep 0.3
echo chart > "$dest/nats-2.14.2.tgz"
`;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ned-chart-cache-test-'));
  log = join(dir, 'helm.log');
  failFlag = join(dir, 'fail');
  helmBin = join(dir, 'helm');
  await writeFile(helmBin, FAKE_HELM);
  await chmod(helmBin, 0o755);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pulls = async () => (existsSync(log) ? (await readFile(log, 'utf8')).trim().split('\n').filter(Boolean) : []);
const repo = { chart: 'nats', repoUrl: 'http://127.0.0.1:1/charts', version: '2.14.2' };
const cacheIn = (cacheDir: string) => createChartCache({ helmBin, cacheDir, env: { FAKE_LOG: log, FAIL_FLAG: failFlag } });

describe('createChartCache', () => {
  it('pulls a repository chart once for concurrent and later callers, and returns the local .tgz', async () => {
    const cache = cacheIn(join(dir, 'cache'));
    const paths = await Promise.all(Array.from({ length: 5 }, () => cache.resolve(repo)));
    const later = await cache.resolve(repo);
    expect(new Set([...paths, later]).size).toBe(1);
    expect(later).toMatch(/\/nats-2\.14\.2\/nats-2\.14\.2\.tgz$/);
    expect(later.startsWith(join(dir, 'cache'))).toBe(true);
    expect(existsSync(later)).toBe(true);
    const calls = await pulls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^pull nats --repo http:\/\/127\.0\.0\.1:1\/charts --version 2\.14\.2 --destination /);
    // the file is all helm needs: no --repo, and no --version (meaningless with a path)
    expect(await cache.resolveSource(repo)).toEqual({ chart: later });
  });

  it('does not cache a failed pull: the next call pulls again, and callers sharing the failed pull see its error', async () => {
    const cache = cacheIn(join(dir, 'cache'));
    await writeFile(failFlag, '');
    const shared = await Promise.allSettled([cache.resolve(repo), cache.resolve(repo)]);
    expect(shared.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((shared[0] as PromiseRejectedResult).reason)).toMatch(/helm pull failed/);
    expect(await pulls()).toHaveLength(1);
    await rm(failFlag);
    const file = await cache.resolve(repo);
    expect(existsSync(file)).toBe(true);
    expect(await pulls()).toHaveLength(2);
    // nothing half-done was left next to the cached chart
    expect(await readFile(file, 'utf8')).toBe('chart\n');
  });

  it('passes local paths, oci references, version-less and range sources through without running helm', async () => {
    const cache = cacheIn(join(dir, 'cache'));
    const local = { chart: '/charts/nats-2.14.2.tgz', version: '2.14.2' };
    const oci = { chart: 'oci://registry.example/charts/nats', version: '2.14.2' };
    const noVersion = { chart: 'nats', repoUrl: repo.repoUrl };
    const range = { chart: 'nats', repoUrl: repo.repoUrl, version: '^2.14' };
    expect(await cache.resolve(local)).toBe(local.chart);
    expect(await cache.resolve(oci)).toBe(oci.chart);
    expect(await cache.resolve(noVersion)).toBe('nats');
    expect(await cache.resolve(range)).toBe('nats');
    // uncached sources keep their repository and version: helm fetches them itself
    expect(await cache.resolveSource(noVersion)).toBe(noVersion);
    expect(await cache.resolveSource(local)).toBe(local);
    expect(await pulls()).toEqual([]);
  });

  it('does not use a cache directory others may write to (a chart could be planted there)', async () => {
    const cacheDir = join(dir, 'shared');
    await mkdir(cacheDir, { mode: 0o777 });
    await chmod(cacheDir, 0o777);
    const cache = cacheIn(cacheDir);
    expect(await cache.resolve(repo)).toBe('nats');
    expect(await cache.resolveSource(repo)).toBe(repo);
    expect(await pulls()).toEqual([]);
  });

  it('reuses a chart a previous process left on disk, and pulls again when the file was removed', async () => {
    const cacheDir = join(dir, 'cache');
    const first = await cacheIn(cacheDir).resolve(repo);
    const second = cacheIn(cacheDir);
    expect(await second.resolve(repo)).toBe(first);
    expect(await pulls()).toHaveLength(1);
    await rm(first);
    expect(await second.resolve(repo)).toBe(first);
    expect(existsSync(first)).toBe(true);
    expect(await pulls()).toHaveLength(2);
  });

  it('keeps charts of different repositories apart', async () => {
    const cache = cacheIn(join(dir, 'cache'));
    const a = await cache.resolve(repo);
    const b = await cache.resolve({ ...repo, repoUrl: 'http://127.0.0.1:2/charts' });
    expect(a).not.toBe(b);
    expect(await pulls()).toHaveLength(2);
  });

  it('heartbeats while a slow pull runs', async () => {
    await writeFile(helmBin, FAKE_HELM.replace('sleep 0.3', 'sleep 2.5'));
    const beats: unknown[] = [];
    await cacheIn(join(dir, 'cache')).resolve(repo, (d) => beats.push(d));
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats[0]).toEqual({ verb: 'pull', chart: 'nats', version: '2.14.2' });
  });
});
