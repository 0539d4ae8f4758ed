// Progress bookkeeping shared by the three workflows: the `progress` query answers from this state, so the
// Web UI and the API can tell which step a long deploy is on and what went wrong last.
import { ActivityFailure, ApplicationFailure, defineQuery, defineSignal, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { READINESS_SIGNAL, SearchAttr, type Operation, type Progress } from './shared.js';

export const progressQuery = defineQuery<Progress>('progress');
export const readinessSignal = defineSignal<[string]>(READINESS_SIGNAL);

export class ProgressTracker {
  readonly state: Progress;

  constructor(operation: Operation) {
    this.state = { operation, step: 'starting', status: 'running', attempts: {}, lastError: null, detail: null };
    setHandler(progressQuery, () => this.state);
    setHandler(readinessSignal, (text) => {
      this.state.detail = text;
      setCurrentDetails(`**${this.state.operation}** — step \`${this.state.step}\`: ${text}`);
    });
    this.publish();
  }

  /** The UI shows current details on the workflow page and filters on ExchangeStatus. */
  private publish(): void {
    upsertSearchAttributes([{ key: SearchAttr.status, value: this.state.status }]);
    setCurrentDetails(
      `**${this.state.operation}** — step \`${this.state.step}\`, ${this.state.status}` + (this.state.lastError ? `\n\nlast error: ${this.state.lastError}` : ''),
    );
  }

  /** Runs one step, recording it as current and remembering the last error it raised. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.state.step = name;
    this.state.detail = null;
    this.state.attempts[name] = (this.state.attempts[name] ?? 0) + 1;
    setCurrentDetails(`**${this.state.operation}** — step \`${name}\`, ${this.state.status}`);
    try {
      return await fn();
    } catch (err) {
      this.state.lastError = failureMessage(err);
      this.publish();
      throw err;
    }
  }

  finish(status: Progress['status']): void {
    this.state.status = status;
    if (status === 'succeeded') this.state.step = 'done';
    this.publish();
  }
}

/** The failure an activity threw, under the ActivityFailure(s) that wrap it. */
function innermost(err: unknown): unknown {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e;
}

/** The innermost meaningful message of an activity failure (the ApplicationFailure the activity threw). */
export function failureMessage(err: unknown): string {
  const e = innermost(err);
  if (e instanceof ApplicationFailure || e instanceof Error) return e.message;
  return String(e);
}

export function failureType(err: unknown): string | undefined {
  const e = innermost(err);
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}

/**
 * The one shape of a workflow's final failure: `what` and the innermost cause's message, the workflow's own type,
 * non-retryable, with the step and the cause's type (and any `extra`) as details the API maps to a status.
 */
export function operationFailure(what: string, err: unknown, type: string, step: string, extra: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${what}: ${failureMessage(err)}`,
    type,
    nonRetryable: true,
    details: [{ step, causeType: failureType(err) ?? null, ...extra }],
  });
}

/** Whether an activity failure is final (a non-retryable ApplicationFailure): retrying elsewhere cannot help. */
export function isFinal(err: unknown): boolean {
  const e = innermost(err);
  return e instanceof ApplicationFailure && e.nonRetryable === true;
}
