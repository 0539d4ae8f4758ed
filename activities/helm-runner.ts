// The one place helm is executed: no shell, a minimal environment, isolated helm home dirs when configured,
// heartbeats while it runs (a --wait can take minutes), and a helm that never outlives its attempt: it runs in its
// own process group, which is killed on cancellation and at a client-side deadline, and under
// `setpriv --pdeathsig KILL` so the kernel kills it if the worker process dies.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../workflows/shared.js';
import type { HelmFinished } from '../src/metrics.js';
import { classifyHelmFailure } from './helm-errors.js';

export interface HelmRunnerOptions {
  helmBin: string;
  /** Extra environment (e.g. HELM_CACHE_HOME) on top of the minimal one helm gets (see helmEnvironment). */
  env?: Record<string, string>;
  /** prlimit limits for this helm process (data segment, CPU seconds); none when unset or prlimit is missing. */
  limits?: { memoryBytes: number; cpuSeconds: number };
  heartbeat?: (details: unknown) => void;
  heartbeatIntervalMs?: number;
  signal?: AbortSignal;
  /** Strings that must never appear in a failure message. */
  redact?: string[];
  /** Observes every run, e.g. for metrics; outcome: ok, not_found (an expected answer to `status`), or error. */
  onFinished?: HelmFinished;
  /** Client-side deadline of one run; by default helm's own `--timeout` plus a minute (see defaultDeadlineMs). */
  deadlineMs?: number;
  /** Time helm gets between SIGTERM and SIGKILL; it releases the release lock on SIGTERM. Default 10 s. */
  killGraceMs?: number;
}

export interface HelmResult {
  stdout: string;
  stderr: string;
}

const DEADLINE_MARGIN_MS = 60_000;
const DEADLINE_WITHOUT_TIMEOUT_MS = 120_000;
const KILL_GRACE_MS = 10_000;

function goDurationMs(value: string): number | undefined {
  const m = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,9})s)?$/.exec(value);
  if (!m || value === '') return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** helm's own `--timeout` (as `--timeout 300s` or `--timeout=5m`) plus a margin, or two minutes without one. */
export function defaultDeadlineMs(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const value = arg === '--timeout' ? args[i + 1] : arg.startsWith('--timeout=') ? arg.slice('--timeout='.length) : undefined;
    const ms = value === undefined ? undefined : goDurationMs(value);
    if (ms !== undefined) return ms + DEADLINE_MARGIN_MS;
  }
  return DEADLINE_WITHOUT_TIMEOUT_MS;
}

/** Variables helm may see from the worker's environment; anything else (payload keys, tokens, URIs) stays behind. */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'KUBECACHEDIR', 'HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME'];

/** The whole environment helm runs with: INHERITED from `from`, then `extra`, then HELM_NO_PLUGINS=1. */
export function helmEnvironment(extra: Record<string, string> = {}, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED) {
    const v = from[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra, HELM_NO_PLUGINS: '1' };
}

/**
 * The command line: helm under prlimit's limits (when set; the CPU hard limit 10 s above the soft one, so helm gets
 * SIGXCPU first and the cause can be told), under setpriv's parent-death signal (when found).
 */
export function helmCommand(helmBin: string, args: string[], tools: { setpriv?: string; prlimit?: string }, limits?: HelmRunnerOptions['limits']): [string, string[]] {
  let cmd = [helmBin, ...args];
  if (limits && tools.prlimit) cmd = [tools.prlimit, `--data=${limits.memoryBytes}`, `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 10}`, '--', ...cmd];
  if (tools.setpriv) cmd = [tools.setpriv, '--pdeathsig', 'KILL', '--', ...cmd];
  return [cmd[0]!, cmd.slice(1)];
}

const toolLookups = new Map<string, Promise<string | undefined>>();

/**
 * The first executable `name` on PATH, if its output for `probe` passes `accepts`; looked up once per process.
 * Only the first one found is asked (as a shell would run it).
 */
function findTool(name: string, probe: string, accepts: (stdout: string) => boolean): Promise<string | undefined> {
  let found = toolLookups.get(name);
  if (!found) {
    found = (async () => {
      for (const dir of (process.env.PATH ?? '').split(delimiter)) {
        if (!dir) continue;
        const candidate = join(dir, name);
        if (!(await access(candidate, constants.X_OK).then(() => true, () => false))) continue;
        const r = await execa(candidate, [probe], { reject: false, extendEnv: false, env: {}, stdin: 'ignore', timeout: 5000 });
        return accepts(String(r.stdout ?? '')) ? candidate : undefined;
      }
      return undefined;
    })();
    toolLookups.set(name, found);
  }
  return found;
}

/** setpriv (util-linux) if it is on PATH and knows --pdeathsig. */
export const findSetpriv = (): Promise<string | undefined> => findTool('setpriv', '--help', (out) => out.includes('--pdeathsig'));

/** prlimit (util-linux) if it is on PATH. */
const findPrlimit = (): Promise<string | undefined> => findTool('prlimit', '--version', (out) => out.includes('prlimit'));

/** Signals helm's whole process group (helm is its leader: spawned detached); a group already gone is fine. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left to stop
  }
}

/**
 * Whether helm died of its prlimit limits: SIGXCPU at the CPU soft limit, or the Go runtime out of memory at the
 * data limit. A SIGKILL is not counted: it comes from elsewhere (an operator, the OOM killer, a dying worker).
 */
function overLimit(signal: string | undefined, stderr: string): boolean {
  if (signal === 'SIGXCPU' || /SIGXCPU/.test(stderr)) return true;
  return /fatal error: (runtime: )?out of memory|runtime\/cgo: pthread_create failed|cannot allocate memory/.test(stderr);
}

/** setpriv's own message when it could not exec helm: 127 = not found, 126 = not executable. */
function setprivCouldNotExec(exitCode: number | undefined, stderr: string): boolean {
  return (exitCode === 127 || exitCode === 126) && stderr.startsWith('setpriv: failed to execute');
}

/**
 * Runs `helm <args>`; on failure throws an ApplicationFailure typed by classifyHelmFailure, retryable or not.
 */
export async function runHelm(args: string[], o: HelmRunnerOptions): Promise<HelmResult> {
  const verb = args[0] ?? 'helm';
  const started = Date.now();
  const deadlineMs = o.deadlineMs ?? defaultDeadlineMs(args);
  const graceMs = o.killGraceMs ?? KILL_GRACE_MS;
  const setpriv = await findSetpriv();
  // an attempt cancelled before helm started does not start it
  if (o.signal?.aborted) {
    const reason: unknown = o.signal.reason;
    throw reason instanceof Error ? reason : ApplicationFailure.retryable(`helm ${verb} was cancelled`, 'HelmCancelled');
  }
  const prlimit = o.limits ? await findPrlimit() : undefined;
  const [file, argv] = helmCommand(o.helmBin, args, { setpriv, prlimit }, o.limits);
  const timers: NodeJS.Timeout[] = [];
  if (o.heartbeat) {
    const beat = () => o.heartbeat?.({ verb, runningForSeconds: Math.round((Date.now() - started) / 1000) });
    timers.push(setInterval(beat, o.heartbeatIntervalMs ?? 2000));
  }
  let stoppedBy: 'cancellation' | 'deadline' | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const subprocess = execa(file, argv, {
      reject: false,
      env: helmEnvironment(o.env),
      extendEnv: false,
      stdin: 'ignore',
      // its own process group, so helm and anything it started can be signalled together
      detached: true,
      maxBuffer: 64 * 1024 * 1024,
    });
    const stop = (why: 'cancellation' | 'deadline') => {
      if (stoppedBy) return;
      stoppedBy = why;
      signalGroup(subprocess.pid, 'SIGTERM');
      timers.push(setTimeout(() => signalGroup(subprocess.pid, 'SIGKILL'), graceMs));
    };
    onAbort = () => stop('cancellation');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    timers.push(setTimeout(() => stop('deadline'), deadlineMs));

    const result = await subprocess;
    // helm is gone; whatever it left in its group goes too
    if (stoppedBy) signalGroup(subprocess.pid, 'SIGKILL');
    const seconds = (Date.now() - started) / 1000;
    const stderr = String(result.stderr ?? '');
    if (stoppedBy === 'cancellation') {
      o.onFinished?.(verb, 'error', seconds);
      // the signal's reason is the activity's CancelledFailure: rethrowing it reports the activity as cancelled
      const reason: unknown = o.signal?.reason;
      throw reason instanceof Error ? reason : ApplicationFailure.retryable(`helm ${verb} was cancelled`, 'HelmCancelled');
    }
    if (stoppedBy === 'deadline') {
      o.onFinished?.(verb, 'error', seconds);
      const message = `helm ${verb} was killed: the client-side deadline passed (${Math.round(deadlineMs / 1000)} s, helm's --timeout plus a margin)`;
      throw ApplicationFailure.retryable(message, FailureType.helmUnavailable);
    }
    if (result.failed) {
      if (result.code === 'ENOENT' || result.code === 'EACCES' || (setpriv && setprivCouldNotExec(result.exitCode, stderr))) {
        o.onFinished?.(verb, 'error', seconds);
        throw ApplicationFailure.nonRetryable(`helm binary not found at ${o.helmBin}`, 'HelmMissing');
      }
      if (o.limits && overLimit(result.signal, stderr)) {
        o.onFinished?.(verb, 'error', seconds);
        const message =
          `helm ${verb} was stopped by its resource limits (memory ${Math.round(o.limits.memoryBytes / 1048576)} MiB, ` +
          `${o.limits.cpuSeconds} CPU seconds): the values or the chart ask for more than a release may take`;
        throw ApplicationFailure.create({ message, type: FailureType.helmRejected, nonRetryable: true });
      }
      const failure = classifyHelmFailure(stderr, result.exitCode, o.redact);
      o.onFinished?.(verb, failure.type === FailureType.releaseNotFound ? 'not_found' : 'error', seconds);
      const message = `helm ${verb} failed: ${failure.summary}`;
      throw ApplicationFailure.create({ message, type: failure.type, nonRetryable: !failure.retryable });
    }
    o.onFinished?.(verb, 'ok', seconds);
    return { stdout: String(result.stdout ?? ''), stderr };
  } finally {
    for (const t of timers) clearTimeout(t);
    if (onAbort) o.signal?.removeEventListener('abort', onAbort);
  }
}
