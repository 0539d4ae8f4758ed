// Where a POST /exchange spends its time beyond helm, read from the deploy workflow's Temporal history: the API
// starting the workflow, each activity's wait in the task queue and its run, the workflow tasks between them, and
// the API noticing the result. Event times are the Temporal server's clock, the request's ends this process's:
// both are the same machine's clock here.
import type { Client } from '@temporalio/client';
import { stats, type Stats } from './stats.js';

interface Ts {
  seconds?: number | { toNumber(): number } | null;
  nanos?: number | null;
}
interface HistoryEvent {
  eventId?: number | { toNumber(): number } | null;
  eventTime?: Ts | null;
  workflowExecutionStartedEventAttributes?: unknown;
  workflowExecutionCompletedEventAttributes?: unknown;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: number | { toNumber(): number } | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: number | { toNumber(): number } | null } | null;
}

const num = (v: number | { toNumber(): number } | null | undefined) => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());
const ms = (t: Ts | null | undefined) => num(t?.seconds) * 1000 + (t?.nanos ?? 0) / 1e6;

/** One request's time, split into named segments that add up to its duration. */
export type Segments = Record<string, number>;

/**
 * The segments of the latest run of `workflowId`, the one a request started. `sentAt`/`answeredAt` are Date.now()
 * around the request. For a deploy it is read before the exchange is removed: the removal runs under the same id.
 */
export async function workflowSegments(client: Client, workflowId: string, sentAt: number, answeredAt: number): Promise<Segments> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = (history.events ?? []) as HistoryEvent[];
  const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
  const completed = events.find((e) => e.workflowExecutionCompletedEventAttributes);
  if (!started || !completed) throw new Error(`workflow ${workflowId} has no start or completion in its history`);
  const segments: Segments = { 'API: request → workflow started': ms(started.eventTime) - sentAt };
  let cursor = ms(started.eventTime);
  let between = 0;
  for (const scheduled of events.filter((e) => e.activityTaskScheduledEventAttributes)) {
    const id = num(scheduled.eventId);
    const name = scheduled.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
    const start = events.find((e) => num(e.activityTaskStartedEventAttributes?.scheduledEventId) === id);
    const done = events.find((e) => num(e.activityTaskCompletedEventAttributes?.scheduledEventId) === id);
    if (!start || !done) continue;
    // from the previous step's end (or the start) to this one's scheduling: workflow tasks on the worker
    between += ms(scheduled.eventTime) - cursor;
    segments[`${name}: queued`] = (segments[`${name}: queued`] ?? 0) + ms(start.eventTime) - ms(scheduled.eventTime);
    segments[`${name}: ran`] = (segments[`${name}: ran`] ?? 0) + ms(done.eventTime) - ms(start.eventTime);
    cursor = ms(done.eventTime);
  }
  between += ms(completed.eventTime) - cursor;
  segments['workflow tasks between steps'] = between;
  segments['API: workflow completed → answer'] = answeredAt - ms(completed.eventTime);
  return segments;
}

/** Per segment over all deploys, in the order the first deploy had them. */
export function summarise(all: Segments[]): Array<{ segment: string } & Pick<Stats, 'p50' | 'mean' | 'max'>> {
  const names = [...new Set(all.flatMap((s) => Object.keys(s)))];
  return names.map((segment) => {
    const s = stats(all.map((x) => x[segment] ?? 0));
    return { segment, p50: s.p50, mean: s.mean, max: s.max };
  });
}
