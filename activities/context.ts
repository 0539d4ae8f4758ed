// Small helpers every activity uses: the current activity context (absent in plain unit calls), telling the
// workflow how far an activity is, and turning a failed cluster API call into the right Temporal failure.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, READINESS_SIGNAL } from '../workflows/shared.js';
import { minimalParts } from '../src/domain/kubeconfig.js';
import { isPlainObject } from '../src/domain/values.js';
import { RefusedAddress } from './egress.js';
import { ClusterAnswerTooLarge, KubeApiError } from './kube-api.js';
import type { HelmReleaseResult } from './deps.js';

export function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** This activity's attempt (1 outside an activity). */
export function attempt(): number {
  return inActivity()?.info.attempt ?? 1;
}

/** Tells the running workflow how far the activity is (its progress query and the Web UI show it). */
export function reportToWorkflow(text: string): void {
  const ctx = inActivity();
  if (!ctx) return;
  try {
    const wf = ctx.info.workflowExecution;
    if (!wf) return;
    const { workflowId, runId } = wf;
    void ctx.client.workflow.getHandle(workflowId, runId).signal(READINESS_SIGNAL, text).catch(() => undefined);
  } catch {
    // no client in this context (MockActivityEnvironment): the heartbeat still carries it
  }
}

/**
 * Signals the running workflow and waits until Temporal has recorded it (a failure fails this attempt). Outside a
 * workflow's activity (MockActivityEnvironment without a client) there is no one to tell.
 */
export async function announceToWorkflow(signal: string): Promise<void> {
  const ctx = inActivity();
  const wf = ctx?.info.workflowExecution;
  if (!ctx || !wf) return;
  let client;
  try {
    client = ctx.client;
  } catch {
    return;
  }
  await client.workflow.getHandle(wf.workflowId, wf.runId).signal(signal);
}

/** Strings in a kubeconfig user that must never surface in an error message. */
export function secretsOf(kubeconfig: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 8) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainObject(v)) Object.values(v).forEach(walk);
  };
  walk(minimalParts(kubeconfig).user);
  return out;
}

/** Revision and status from helm's `--output json`. */
export function releaseInfo(json: string): HelmReleaseResult {
  try {
    const parsed = JSON.parse(json) as { version?: unknown; info?: { status?: unknown } };
    return { revision: typeof parsed.version === 'number' ? parsed.version : 0, status: typeof parsed.info?.status === 'string' ? parsed.info.status : 'unknown' };
  } catch {
    return { revision: 0, status: 'unknown' };
  }
}

/** A cluster API failure: the answer names what could not be read, never the remote's text. */
export function clusterFailure(err: unknown, what: string): Error {
  // a call stopped by the activity's cancellation reports the cancellation itself
  const signal = inActivity()?.cancellationSignal;
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason;
  // the server's name resolves to an address the policy closes: the kubeconfig is refused, as if written so
  if (err instanceof RefusedAddress) return ApplicationFailure.nonRetryable(`${what}: ${err.message}`, FailureType.invalidKubeconfig);
  // an answer beyond the budgets is the cluster's doing: another attempt reads the same
  if (err instanceof ClusterAnswerTooLarge) return ApplicationFailure.nonRetryable(`${what}: ${err.message}`, FailureType.helmRejected);
  if (err instanceof KubeApiError && (err.status === 401 || err.status === 403))
    return ApplicationFailure.nonRetryable(`${what}: the cluster refused the credentials (HTTP ${err.status})`, FailureType.helmUnauthorized);
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  // the workflow only sees a retried failure when the retries are used up: say now what is being waited for
  const n = inActivity()?.info.attempt;
  if (n !== undefined) reportToWorkflow(`waiting for the cluster (attempt ${n}, last error: ${message.slice(0, 200)})`);
  return ApplicationFailure.retryable(message, FailureType.helmUnavailable);
}
