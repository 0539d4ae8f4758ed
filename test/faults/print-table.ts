// Prints the fault suite's one table from the rows the cases appended (report.ts), notes below it.
//   tsx test/faults/print-table.ts [rows.jsonl]      (default $FAULTS_REPORT, else test-artifacts/faults.jsonl)
import { existsSync, readFileSync } from 'node:fs';
import { reportPath, type FaultRow } from './report.js';

const path = process.argv[2] ?? reportPath();
if (!existsSync(path)) {
  console.log(`fault suite: no rows (${path} does not exist: the faults project did not run)`);
  process.exit(0);
}
const rows = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as FaultRow);

const time = (ms: number | null) => (ms === null ? 'n/a' : ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
const cell = (s: string) => s.replace(/\|/g, '/');
const failed = rows.filter((r) => r.outcome.startsWith('FAILED'));
const orphans = rows.reduce((n, r) => n + (r.orphans ?? 0), 0);
const first = rows.reduce((t, r) => Math.min(t, Date.parse(r.at)), Number.POSITIVE_INFINITY);
const last = rows.reduce((t, r) => Math.max(t, Date.parse(r.at) + r.wallMs), 0);

const lines = [
  '',
  `Fault suite: ${rows.length} cases, ${failed.length} failed, ${orphans} orphans; ${rows[0]?.cpus ?? '?'} cores; ${time(last - first)} from the first case's start to the last one's end`,
  '',
  '| # | case | outcome | time to recover | orphans found |',
  '|---|---|---|---|---|',
  ...rows.map((r, i) => `| ${i + 1} | ${cell(r.case)} | ${cell(r.outcome)} | ${time(r.recoverMs)} | ${r.orphans ?? 'not checked'} |`),
  '',
  'notes:',
  ...rows.map((r, i) => `  ${i + 1}. ${r.note || '-'} (case took ${time(r.wallMs)})`),
  '',
];
console.log(lines.join('\n'));
