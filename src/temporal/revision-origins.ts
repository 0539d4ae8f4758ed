// Which run made a revision: the exchange's completed deploys, updates and rollbacks, found in Temporal's
// visibility store, matched to helm's revisions by number and time.
import type { Client } from '@temporalio/client';
import { OPERATION_BY_TYPE } from './operation-outcomes.js';
import type { RevisionOrigin } from './operation-types.js';

/** Clock difference tolerated between the cluster (helm's revision time) and Temporal (the run's start and close). */
const ORIGIN_SLACK_MS = 120_000;

export interface Origin {
  revision: number;
  operation: string;
  runId: string;
  workflowId: string;
  start: number;
  close: number;
}

/**
 * Pure: the run that made a revision: same revision number, and the revision's time within the run (give or take
 * the clock slack); the latest such run, since a release deleted and deployed again numbers its revisions anew.
 */
export function originOf(r: { revision: number; time: string | null }, origins: readonly Origin[]): RevisionOrigin | null {
  const at = r.time ? Date.parse(r.time) : NaN;
  const match = origins
    .filter((o) => o.revision === r.revision && (Number.isNaN(at) || (o.start - ORIGIN_SLACK_MS <= at && at <= o.close + ORIGIN_SLACK_MS)))
    .sort((a, b) => b.start - a.start)[0];
  return match ? { operation: match.operation, operation_id: match.runId, workflow_id: match.workflowId } : null;
}

/**
 * The exchange's completed deploys, updates and rollbacks with the revision each made (their results), from
 * Temporal's visibility store by the ExchangeId search attribute. Runs gone from retention are not found.
 */
export async function revisionOrigins(client: Client, systemId: string): Promise<Origin[]> {
  const types = Object.keys(OPERATION_BY_TYPE).filter((t) => t !== 'removeExchange');
  const query = `ExchangeId = '${systemId.replace(/'/g, '')}' AND ExecutionStatus = 'Completed' AND (${types.map((t) => `WorkflowType = '${t}'`).join(' OR ')})`;
  const runs = [];
  for await (const w of client.workflow.list({ query, pageSize: 100 })) {
    runs.push(w);
    if (runs.length >= 100) break;
  }
  const found = await Promise.all(
    runs.map(async (w): Promise<Origin | undefined> => {
      const result = (await client.workflow.getHandle(w.workflowId, w.runId).result().catch(() => undefined)) as { revision?: unknown } | undefined;
      if (typeof result?.revision !== 'number') return undefined;
      const operation = OPERATION_BY_TYPE[w.type as keyof typeof OPERATION_BY_TYPE] ?? w.type;
      return { revision: result.revision, operation, runId: w.runId, workflowId: w.workflowId, start: w.startTime.getTime(), close: (w.closeTime ?? w.startTime).getTime() };
    }),
  );
  return found.filter((o): o is Origin => o !== undefined);
}
