// Replays the recorded histories (test/workflow-fast/histories/, see record-histories.ts) against today's workflow
// code. A change that would make a running workflow take a different path on replay (another activity, another
// order, a timer, a removed step) fails here with a DeterminismViolationError instead of in production.
import { Worker } from '@temporalio/worker';
import { quietRuntime, workflowsPath } from './support/harness.js';
import { keepSandboxCoverage } from './support/coverage.js';
import { recordedHistories } from './support/history-files.js';

describe('recorded workflow histories replay on the current workflow code', () => {
  const histories = recordedHistories();
  beforeAll(quietRuntime);

  afterAll(() => {
    // nothing of this file counts towards the workflows' coverage (replay does not report it)
    keepSandboxCoverage();
  });

  it('covers deploy (succeeded, compensated, cancelled), update (succeeded, failed) and remove', () => {
    expect(histories.map((h) => h.name)).toEqual(
      expect.arrayContaining(['deploy-succeeded', 'deploy-compensated', 'deploy-cancelled', 'update-succeeded', 'update-failed', 'remove-succeeded']),
    );
  });

  it('replays every history without a determinism violation', async () => {
    const outcomes: Array<{ name: string; error?: string }> = [];
    const results = Worker.runReplayHistories(
      { workflowsPath, replayName: 'workflow-fast-replay' },
      histories.map((h) => ({ workflowId: h.name, history: h.history })),
    );
    for await (const r of results) outcomes.push({ name: r.workflowId, ...(r.error ? { error: `${r.error.name}: ${r.error.message}` } : {}) });
    expect(outcomes).toEqual(histories.map((h) => ({ name: h.name })));
  });
});
