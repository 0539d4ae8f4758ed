// activities/kubeconfig-file.ts: the kubeconfig temp file helm runs with, and the cleanup of stale ones.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { removeStaleKubeconfigDirs, withKubeconfigFile } from '../../../activities/kubeconfig-file.js';
import { tokenKubeconfig } from '../fixtures/kubeconfig.js';

describe('withKubeconfigFile', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ned-kc-test-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('writes a 0600 file in a 0700 directory and removes it after success', async () => {
    const kc = resolveKubeconfig(tokenKubeconfig()).minimal;
    let seen = '';
    const result = await withKubeconfigFile(
      kc,
      async (path) => {
        seen = path;
        expect(dirname(dirname(path))).toBe(base);
        expect(basename(dirname(path))).toMatch(/^ned-kube-/);
        expect((await stat(path)).mode & 0o777).toBe(0o600);
        expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
        expect(yaml.load(await readFile(path, 'utf8'))).toEqual(kc);
        return 'done';
      },
      base,
    );
    expect(result).toBe('done');
    expect(seen).not.toBe('');
    await expect(stat(dirname(seen))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(base)).toEqual([]);
  });

  it('removes the file and directory when the callback throws, and rethrows', async () => {
    let seen = '';
    await expect(
      withKubeconfigFile(
        tokenKubeconfig(),
        async (path) => {
          seen = path;
          await stat(path);
          throw new Error('helm exploded');
        },
        base,
      ),
    ).rejects.toThrow('helm exploded');
    expect(seen).not.toBe('');
    await expect(stat(seen)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(base)).toEqual([]);
  });

  it('two concurrent calls get different files', async () => {
    const seen: string[] = [];
    await Promise.all([1, 2].map(() => withKubeconfigFile(tokenKubeconfig(), (p) => Promise.resolve(void seen.push(p)), base)));
    expect(new Set(seen).size).toBe(2);
    expect(await readdir(base)).toEqual([]);
  });
});

describe('removeStaleKubeconfigDirs', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ned-stale-test-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('removes every ned-kube-* directory (with its kubeconfig) and nothing else, and counts them', async () => {
    for (const d of ['ned-kube-aaa', 'ned-kube-bbb', 'other-dir']) {
      await mkdir(join(base, d));
      await writeFile(join(base, d, 'kubeconfig.yaml'), 'token: secret', { mode: 0o600 });
    }
    await writeFile(join(base, 'ned-kube-file'), 'a file, not a directory');
    expect(await removeStaleKubeconfigDirs(base)).toBe(2);
    expect((await readdir(base)).sort()).toEqual(['ned-kube-file', 'other-dir']);
    expect(await removeStaleKubeconfigDirs(base)).toBe(0);
  });

  it('keeps the directories of another worker process that still runs, removes those of one that is gone', async () => {
    const other = execa('sleep', ['30']);
    const gone = execa('true');
    await gone;
    try {
      for (const d of [`ned-kube-${other.pid}-live`, `ned-kube-${gone.pid}-dead`, `ned-kube-${process.pid}-ours`]) await mkdir(join(base, d));
      expect(await removeStaleKubeconfigDirs(base)).toBe(2);
      expect(await readdir(base)).toEqual([`ned-kube-${other.pid}-live`]);
    } finally {
      other.kill('SIGKILL');
      await other.catch(() => undefined);
    }
  });

  it('a temp dir that does not exist has nothing to remove', async () => {
    expect(await removeStaleKubeconfigDirs(join(base, 'missing'))).toBe(0);
  });

  it('the directory withKubeconfigFile creates is the kind it removes', async () => {
    await withKubeconfigFile(tokenKubeconfig(), async () => expect(await removeStaleKubeconfigDirs(base)).toBe(1), base);
    expect(await readdir(base)).toEqual([]);
  });
});
