// runHelm against fake "helm" shell scripts: what environment helm sees, and that a cancelled, overdue or orphaned
// helm (and what it started) is killed.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { execa } from 'execa';
import { defaultDeadlineMs, findSetpriv, helmCommand, helmEnvironment, runHelm } from '../../../activities/helm-runner.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ned-runner-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fakeHelm(body: string): Promise<string> {
  const path = join(dir, 'helm');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** Alive = exists and is not a zombie (a killed child whose parent is gone may wait to be reaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function failureOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected runHelm to fail');
}

/** A fake helm that starts `sleep 30` in the background, records both pids and waits. */
const SLEEPER = 'sleep 30 &\necho "$$ $!" > "$PIDS"\nwait';

async function pidsFrom(file: string, ms?: number): Promise<number[]> {
  await until('the fake helm to start', () => existsSync(file) && readFileSync(file, 'utf8').includes('\n'), ms);
  return (await readFile(file, 'utf8')).trim().split(' ').map(Number);
}

describe('helm gets a minimal environment', () => {
  const sentinels = { PAYLOAD_KEYS: 'k1:c2VudGluZWw=', REGISTRY_TOKEN: 'registry-sentinel', API_TOKENS: 'api-sentinel', MONGODB_URI: 'mongodb://sentinel' };
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const [k, v] of Object.entries({ ...sentinels, HOME: process.env.HOME ?? '/root', KUBECACHEDIR: '/tmp/kube-cache' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('keeps PATH, HOME and the helm variables, and nothing else of the worker’s', async () => {
    const helmBin = await fakeHelm('env');
    const { stdout } = await runHelm(['version'], { helmBin, env: { HELM_CACHE_HOME: '/tmp/helm-cache' } });
    const env = Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const [k, v] of Object.entries(sentinels)) {
      expect(env).not.toHaveProperty(k);
      expect(stdout).not.toContain(v);
    }
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.HOME).toBe(process.env.HOME);
    expect(env).toMatchObject({ HELM_NO_PLUGINS: '1', HELM_CACHE_HOME: '/tmp/helm-cache', KUBECACHEDIR: '/tmp/kube-cache' });
  });

  it('helmEnvironment takes only the listed variables, then the extras, and always turns plugins off', () => {
    const from = { PATH: '/bin', HOME: '/h', TMPDIR: '/t', HELM_DATA_HOME: '/d', PAYLOAD_KEYS: 'x', AWS_SECRET_ACCESS_KEY: 'y' };
    expect(helmEnvironment({ HELM_CONFIG_HOME: '/c', HELM_NO_PLUGINS: '0' }, from)).toEqual({
      PATH: '/bin',
      HOME: '/h',
      TMPDIR: '/t',
      HELM_DATA_HOME: '/d',
      HELM_CONFIG_HOME: '/c',
      HELM_NO_PLUGINS: '1',
    });
  });
});

describe('helm never outlives its attempt', () => {
  it('cancellation kills helm and the child it started, and rethrows the signal’s reason', async () => {
    const helmBin = await fakeHelm(SLEEPER);
    const pidFile = join(dir, 'pids');
    const controller = new AbortController();
    const run = runHelm(['upgrade', 'r', '--timeout', '300s'], { helmBin, env: { PIDS: pidFile }, signal: controller.signal });
    const [helmPid, childPid] = await pidsFrom(pidFile);
    const started = Date.now();
    const reason = new Error('activity cancelled');
    controller.abort(reason);
    expect(await failureOf(run)).toBe(reason);
    await until('helm and its child to die', () => !alive(helmPid!) && !alive(childPid!));
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a signal that is already aborted does not start helm at all', async () => {
    const marker = join(dir, 'started');
    const helmBin = await fakeHelm(`touch "${marker}"\nsleep 30`);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    expect((await failureOf(runHelm(['status', 'r'], { helmBin, signal: controller.signal }))).message).toBe('gone');
    expect(existsSync(marker)).toBe(false);
  });

  it('the client-side deadline kills helm and its child: HelmUnavailable, retryable', async () => {
    const helmBin = await fakeHelm(SLEEPER);
    const pidFile = join(dir, 'pids');
    const run = runHelm(['upgrade', 'r'], { helmBin, env: { PIDS: pidFile }, deadlineMs: 500 });
    const [helmPid, childPid] = await pidsFrom(pidFile);
    const err = await failureOf(run);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'HelmUnavailable', nonRetryable: false });
    expect(err.message).toMatch(/client-side deadline passed/);
    await until('helm and its child to die', () => !alive(helmPid!) && !alive(childPid!));
  });

  it('a helm that ignores SIGTERM is killed after the grace period', async () => {
    const helmBin = await fakeHelm(`trap '' TERM\n${SLEEPER}`);
    const pidFile = join(dir, 'pids');
    const controller = new AbortController();
    const run = runHelm(['upgrade', 'r'], { helmBin, env: { PIDS: pidFile }, signal: controller.signal, killGraceMs: 300 });
    const [helmPid] = await pidsFrom(pidFile);
    const started = Date.now();
    controller.abort(new Error('cancelled'));
    await failureOf(run);
    expect(alive(helmPid!)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('helm dies with the worker process (setpriv --pdeathsig), when setpriv is available', async () => {
    if (!(await findSetpriv())) return; // without util-linux's setpriv the runner runs helm directly
    const helmBin = await fakeHelm(SLEEPER);
    const pidFile = join(dir, 'pids');
    const runner = resolve('activities/helm-runner.ts');
    const script = join(dir, 'worker.mts');
    await writeFile(script, `import { runHelm } from ${JSON.stringify(runner)};\nawait runHelm(['upgrade', 'r'], { helmBin: ${JSON.stringify(helmBin)}, env: { PIDS: ${JSON.stringify(pidFile)} } });\n`);
    // node itself runs the runner (the tsx CLI would put a process in between)
    const worker = execa(process.execPath, ['--import', 'tsx', script], { reject: false });
    // tsx compiles the runner first: give it time on a busy machine
    const [helmPid, childPid] = await pidsFrom(pidFile, 20_000);
    worker.kill('SIGKILL');
    await worker;
    await until('helm to die with its worker', () => !alive(helmPid!));
    // pdeathsig reaches helm itself only; the fake's own child is ours to clean up
    process.kill(childPid!, 'SIGKILL');
  }, 30_000);

  it('a missing helm binary is HelmMissing, not retried', async () => {
    const err = await failureOf(runHelm(['version'], { helmBin: join(dir, 'no-such-helm') }));
    expect(err).toMatchObject({ type: 'HelmMissing', nonRetryable: true });
  });

  it('a failing helm is classified from its stderr as before', async () => {
    const helmBin = await fakeHelm('echo "Error: release: not found" >&2\nexit 1');
    const outcomes: string[] = [];
    const err = await failureOf(runHelm(['status', 'r'], { helmBin, onFinished: (_v, outcome) => outcomes.push(outcome) }));
    expect(err).toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true });
    expect(outcomes).toEqual(['not_found']);
  });
});

describe('defaultDeadlineMs', () => {
  it.each<[string[], number]>([
    [['upgrade', 'r', '--timeout', '300s'], 360_000],
    [['uninstall', 'r', '--timeout=5m'], 360_000],
    [['rollback', 'r', '--timeout', '1h2m3s'], 3_723_000 + 60_000],
    [['status', 'r'], 120_000],
    [['status', 'r', '--timeout', 'soon'], 120_000],
  ])('%j → %d ms', (args, ms) => {
    expect(defaultDeadlineMs(args)).toBe(ms);
  });
});

describe('helmCommand', () => {
  it('runs helm under prlimit (data segment, CPU soft:hard) under setpriv, each only when found', () => {
    const limits = { memoryBytes: 1024, cpuSeconds: 120 };
    expect(helmCommand('helm', ['list'], { setpriv: '/s', prlimit: '/p' }, limits)).toEqual([
      '/s',
      ['--pdeathsig', 'KILL', '--', '/p', '--data=1024', '--cpu=120:130', '--', 'helm', 'list'],
    ]);
    expect(helmCommand('helm', ['list'], { prlimit: '/p' }, limits)).toEqual(['/p', ['--data=1024', '--cpu=120:130', '--', 'helm', 'list']]);
    expect(helmCommand('helm', ['list'], { setpriv: '/s', prlimit: '/p' })).toEqual(['/s', ['--pdeathsig', 'KILL', '--', 'helm', 'list']]);
    expect(helmCommand('helm', ['list'], {})).toEqual(['helm', ['list']]);
  });
});
