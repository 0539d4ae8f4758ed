// Replays the recorded histories (test/workflow-fast/histories/, see record-histories.ts) against today's workflow
// code. A change that would make a running workflow take a different path on replay (another activity, another
// order, a timer, a removed step) fails here with a DeterminismViolationError instead of in production.
import { WorkflowCoverage } from '@temporalio/nyc-test-coverage';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { quietRuntime, workflowsPath } from './support/harness.js';
import { keepSandboxCoverage } from './support/coverage.js';
import { recordedHistories } from './support/history-files.js';

describe('recorded workflow histories replay on the current workflow code', () => {
  const histories = recordedHistories();
  beforeAll(quietRuntime);

  // what the replays execute counts towards the workflows' coverage: the branches only histories of older shapes
  // take (before a patched() change) are covered by replaying those histories, not by new runs
  const coverage = new WorkflowCoverage();
  afterAll(() => {
    keepSandboxCoverage(coverage);
  });

  /** The coverage sink also called while replaying (the package's own sink skips replay, its default for sinks). */
  function replayOptions(): ReplayWorkerOptions {
    const options = coverage.augmentWorkerOptions({ workflowsPath } as Parameters<typeof coverage.augmentWorkerOptions>[0]);
    const merge = options.sinks?.coverage?.merge;
    return { ...(options as ReplayWorkerOptions), replayName: 'workflow-fast-replay', sinks: merge ? { coverage: { merge: { ...merge, callDuringReplay: true } } } : {} };
  }

  it('covers deploy (succeeded, compensated, cancelled; before and after the install took in the release check), update (succeeded, failed) and remove', () => {
    expect(histories.map((h) => h.name)).toEqual(
      expect.arrayContaining([
        'deploy-succeeded',
        'deploy-compensated',
        'deploy-cancelled',
        'deploy-v2-succeeded',
        'deploy-v2-compensated',
        'deploy-v2-cancelled',
        'deploy-v3-succeeded',
        'deploy-v3-compensated',
        'deploy-v3-cancelled',
        'deploy-v4-succeeded',
        'deploy-v4-compensated',
        'deploy-v4-cancelled',
        'update-succeeded',
        'update-failed',
        'remove-succeeded',
      ]),
    );
  });

  it('replays every history without a determinism violation', async () => {
    const outcomes: Array<{ name: string; error?: string }> = [];
    const results = Worker.runReplayHistories(
      replayOptions(),
      histories.map((h) => ({ workflowId: h.name, history: h.history })),
    );
    for await (const r of results) outcomes.push({ name: r.workflowId, ...(r.error ? { error: `${r.error.name}: ${r.error.message}` } : {}) });
    expect(outcomes).toEqual(histories.map((h) => ({ name: h.name })));
  });
});
