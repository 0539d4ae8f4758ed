// What the API may ask of the exchange workflows and what it gets back: the contract between the routes and
// TemporalExchangeOperations (exchange-operations.ts), and what the tests fake.
import type {
  DeployExchangeInput,
  DeployExchangeResult,
  ExchangeRevisionsResult,
  PreviewExchangeInput,
  PreviewExchangeResult,
  ReleaseRef,
  ReleaseRevision,
  RollbackExchangeInput,
  RollbackExchangeResult,
  RemoveExchangeInput,
  RemoveExchangeResult,
  UpdateExchangeInput,
  UpdateExchangeResult,
} from '../../workflows/shared.js';

export interface OperationFailure {
  ok: false;
  /** HTTP status the API should answer with. */
  status: number;
  error: string;
  type: string;
  workflowId: string;
  runId?: string;
}

export interface OperationSuccess<T> {
  ok: true;
  result: T;
  workflowId: string;
  runId: string;
}

/** Started but not finished within the wait the caller allowed: poll the operation. */
export interface OperationPending {
  ok: 'pending';
  workflowId: string;
  runId: string;
  /** Resolves when the workflow has ended, however it ended (per-org limits hold their slot until then). */
  settled?: Promise<void>;
}

export type Outcome<T> = OperationSuccess<T> | OperationFailure | OperationPending;

/** A read-only operation (preview, revisions) is always waited for. */
export type ReadOutcome<T> = OperationSuccess<T> | OperationFailure;

/** The operation of this service that made a revision, found in Temporal's records of the exchange's workflows. */
export interface RevisionOrigin {
  operation: string;
  operation_id: string;
  workflow_id: string;
}

export interface ExchangeRevisions extends Omit<ExchangeRevisionsResult, 'revisions'> {
  revisions: Array<ReleaseRevision & { madeBy: RevisionOrigin | null }>;
}

export interface RunOptions {
  /** How long to wait for the result; 0 = answer as soon as the workflow started. Default: until it ends. */
  waitMs?: number;
  /** The exchange's orgs, as a search attribute: the per-org limit counts running operations by it. */
  orgIds?: string[];
}

export type OperationState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

/** One operation (workflow run) on an exchange, as GET /exchange/:id/operations/:operation_id reports it. */
export interface OperationStatus {
  operation_id: string;
  workflow_id: string;
  operation: string;
  status: OperationState;
  step: string | null;
  /** While running: what the step reports, e.g. "2/3 NATS pods ready". */
  detail?: string;
  started_at: string | null;
  closed_at: string | null;
  result?: unknown;
  error?: string;
  error_type?: string;
}

export interface CancelOutcome {
  operation: string;
  workflowId: string;
  runId: string;
  /** How the cancelled operation ended: cancelled (compensated), or it finished before the cancel landed. */
  status: OperationState;
}

export interface ExchangeOperations {
  deploy(input: DeployExchangeInput, opts?: RunOptions): Promise<Outcome<DeployExchangeResult>>;
  update(input: UpdateExchangeInput, opts?: RunOptions): Promise<Outcome<UpdateExchangeResult>>;
  /** Cancels a deploy or update of the exchange that is still running (its compensation runs) first. */
  remove(input: RemoveExchangeInput, opts?: RunOptions): Promise<Outcome<RemoveExchangeResult>>;
  /** Cancels the exchange's running operation and waits for it to end; null when nothing runs. */
  cancel(systemId: string): Promise<CancelOutcome | null>;
  /** An operation by its id (the run id), or the exchange's latest when operationId is omitted; null if none. */
  status(systemId: string, operationId?: string): Promise<OperationStatus | null>;
  /** What a deploy (mode install) or update (mode upgrade) would do; runs beside the exchange's lock, changes nothing. */
  preview(input: PreviewExchangeInput, orgIds?: string[]): Promise<ReadOutcome<PreviewExchangeResult>>;
  /** The release's helm revisions (read in the cluster by the worker), each with the operation that made it. */
  revisions(input: ReleaseRef & { systemId: string }, orgIds?: string[]): Promise<ReadOutcome<ExchangeRevisions>>;
  /** helm rollback to an earlier revision, under the exchange's lock like update. */
  rollback(input: RollbackExchangeInput, opts?: RunOptions): Promise<Outcome<RollbackExchangeResult>>;
  /** Operations running for an org, from Temporal's visibility (the same answer on every API replica). */
  runningFor?(org: string): Promise<number>;
}
