// Each fault case leaves one row: what was done, how it ended, how long recovery took and how many orphans the
// checker found. Rows are JSON lines appended to $FAULTS_REPORT (scripts/faults.sh and scripts/test.sh point it
// into their state dir and print the table at the end: test/faults/print-table.ts).
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';

export interface FaultRow {
  case: string;
  /** "ok: …" when every assertion held, "FAILED: …" otherwise. */
  outcome: string;
  /** From the end of the fault (the thing came back, the worker died, …) to the operation's outcome; null = n/a. */
  recoverMs: number | null;
  /** What the orphan checker found at the end (see orphans.ts); null when it never ran. */
  orphans: number | null;
  note: string;
  wallMs: number;
  cpus: number;
  at: string;
}

export function reportPath(): string {
  return resolve(process.env.FAULTS_REPORT ?? 'test-artifacts/faults.jsonl');
}

/** What a case fills in while it runs; the row is written when the case ends, also when it fails. */
export interface CaseRecord {
  outcome?: string;
  recoverMs?: number | null;
  orphans?: number | null;
  notes: string[];
}

/**
 * Runs one fault case and appends its row. A failing case is recorded with its error and rethrown, so the
 * table shows it as well as jest does.
 */
export async function faultCase(name: string, run: (rec: CaseRecord) => Promise<void>): Promise<void> {
  const started = Date.now();
  const rec: CaseRecord = { notes: [] };
  let failure: unknown;
  try {
    await run(rec);
  } catch (err) {
    failure = err;
  }
  const firstLine = failure === undefined ? '' : summarize(failure);
  const row: FaultRow = {
    case: name,
    outcome: failure === undefined ? (rec.outcome ?? 'ok') : `FAILED: ${firstLine.slice(0, 200)}`,
    recoverMs: rec.recoverMs ?? null,
    orphans: rec.orphans ?? null,
    note: rec.notes.join('; '),
    wallMs: Date.now() - started,
    cpus: cpus().length,
    at: new Date(started).toISOString(),
  };
  const path = reportPath();
  mkdirSync(dirname(path), { recursive: true });
  // one write per row, O_APPEND: rows from jest workers running side by side do not interleave
  appendFileSync(path, `${JSON.stringify(row)}\n`);
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(summarize(failure));
}

/** A failure in one line: its first line, and for a jest assertion what it received. */
function summarize(failure: unknown): string {
  // eslint-disable-next-line no-control-regex
  const text = (failure instanceof Error ? failure.message : String(failure)).replace(/\u001b\[[0-9;]*m/g, '');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const received = lines.find((l) => l.startsWith('Received:'));
  return [lines[0] ?? '', received].filter(Boolean).join(' — ');
}
