// How this tier's coverage of workflows/ is counted. Under `jest --coverage` two instrumentations see those files:
// jest's (of ts-jest's output, for the few modules the test process itself imports: shared.ts, progress.ts) and
// @temporalio/nyc-test-coverage's (of the webpack bundle the worker runs, positions in swc's output). Each
// carries its own source map; merged raw, one compiler's positions would be mapped back through the other's map
// and the report would be wrong. So the figure is what the workflow sandbox executed: jest's own entries for
// workflows/ are dropped and the sandbox's merged in, the same in every file of the tier.
import { fileURLToPath } from 'node:url';
import type { WorkflowCoverage } from '@temporalio/nyc-test-coverage';

const workflowsDir = fileURLToPath(new URL('../../../workflows/', import.meta.url));

export function keepSandboxCoverage(coverage?: WorkflowCoverage): void {
  const g = globalThis as { __coverage__?: Record<string, unknown> };
  if (!g.__coverage__) return; // not running under --coverage
  for (const file of Object.keys(g.__coverage__)) {
    if (file.startsWith(workflowsDir)) delete g.__coverage__[file];
  }
  coverage?.mergeIntoGlobalCoverage();
  // mergeIntoGlobalCoverage leaves FileCoverage instances there; jest deep-copies the global as plain data
  g.__coverage__ = JSON.parse(JSON.stringify(g.__coverage__)) as Record<string, unknown>;
}
