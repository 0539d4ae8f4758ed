// The one place helm is executed: no shell, isolated helm home dirs when configured, heartbeats while it runs
// (a --wait can take minutes) and a kill on activity cancellation.
import { execa } from 'execa';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../workflows/shared.js';
import { classifyHelmFailure } from './helm-errors.js';

export interface HelmRunnerOptions {
  helmBin: string;
  /** Extra environment (e.g. HELM_CACHE_HOME); the worker's PATH and HOME are kept. */
  env?: Record<string, string>;
  heartbeat?: (details: unknown) => void;
  heartbeatIntervalMs?: number;
  signal?: AbortSignal;
  /** Strings that must never appear in a failure message. */
  redact?: string[];
  /** Observes every run, e.g. for metrics. */
  /** outcome: ok, not_found (an expected answer to `status`), or error. */
  onFinished?: (verb: string, outcome: 'ok' | 'not_found' | 'error', seconds: number) => void;
}

export interface HelmResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `helm <args>`; on failure throws an ApplicationFailure typed by classifyHelmFailure, retryable or not.
 */
export async function runHelm(args: string[], o: HelmRunnerOptions): Promise<HelmResult> {
  const verb = args[0] ?? 'helm';
  const started = Date.now();
  const timer = o.heartbeat
    ? setInterval(() => o.heartbeat?.({ verb, runningForSeconds: Math.round((Date.now() - started) / 1000) }), o.heartbeatIntervalMs ?? 2000)
    : undefined;
  try {
    const result = await execa(o.helmBin, args, {
      reject: false,
      env: { ...o.env, HELM_NO_PLUGINS: '1' },
      extendEnv: true,
      stdin: 'ignore',
      cancelSignal: o.signal,
      // helm releases its lock on SIGTERM; KILL only if it does not stop
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 10_000,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 0,
    });
    const seconds = (Date.now() - started) / 1000;
    if (result.isCanceled) {
      o.onFinished?.(verb, 'error', seconds);
      // the signal's reason is the activity's CancelledFailure: rethrowing it reports the activity as cancelled
      const reason: unknown = o.signal?.reason;
      throw reason instanceof Error ? reason : ApplicationFailure.retryable(`helm ${verb} was cancelled`, 'HelmCancelled');
    }
    if (result.failed) {
      if (result.code === 'ENOENT') {
        o.onFinished?.(verb, 'error', seconds);
        throw ApplicationFailure.nonRetryable(`helm binary not found at ${o.helmBin}`, 'HelmMissing');
      }
      const failure = classifyHelmFailure(String(result.stderr ?? ''), result.exitCode, o.redact);
      o.onFinished?.(verb, failure.type === FailureType.releaseNotFound ? 'not_found' : 'error', seconds);
      const message = `helm ${verb} failed: ${failure.summary}`;
      throw ApplicationFailure.create({ message, type: failure.type, nonRetryable: !failure.retryable });
    }
    o.onFinished?.(verb, 'ok', seconds);
    return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  } finally {
    if (timer) clearInterval(timer);
  }
}
