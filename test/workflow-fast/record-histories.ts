// Records the workflow histories that replay.test.ts replays, into test/workflow-fast/histories/<scenario>.json.
//
// How:  scripts/temporal-dev.sh start /tmp/rec-temporal --headless && source /tmp/rec-temporal/temporal.env
//       npx tsx test/workflow-fast/record-histories.ts [--only deploy-v4-succeeded,...]
//       scripts/temporal-dev.sh stop /tmp/rec-temporal
//
// When: the histories stand for workflows that are already running in some deployment. If replay.test.ts fails
// after a workflow change, that change would break those runs: make it replay-safe (patched() / deprecatePatch()
// from @temporalio/workflow) and record *additional* histories of the new shape under new names. Re-record the
// existing ones only when no run of the old shape can still be open anywhere (every deployment drained), and say
// so in the commit. Adding a scenario here and recording it is always fine.
//
// The activities are the tier's mocks and the client has no payload codec, so each history holds its inputs as
// plain JSON: only the fake kubeconfig of support/harness.ts (token "fake-token"), never a real credential.
import { writeFile, mkdir } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { deployExchange } from '../../workflows/deploy-exchange.js';
import { removeExchange } from '../../workflows/remove-exchange.js';
import { FailureType } from '../../workflows/shared.js';
import { updateExchange } from '../../workflows/update-exchange.js';
import { deployInput, removeInput, startFastEnv, updateInput, type FastEnv } from './support/harness.js';
import { announceHelmStarted, fail, Gate, type Script } from './support/mock-activities.js';
import { historiesDir, historyFileText } from './support/history-files.js';


interface Scenario {
  script?: Script;
  run(env: FastEnv, workflowId: string, systemId: string): Promise<WorkflowHandle>;
  /** Drives the run to its end once started (cancels it, opens gates). */
  drive?(handle: WorkflowHandle): Promise<void>;
}

const installGate = new Gate();

const start = <W extends typeof deployExchange | typeof updateExchange | typeof removeExchange>(env: FastEnv, workflow: W, workflowId: string, input: Parameters<W>[0]) =>
  env.client.workflow.start(workflow, { taskQueue: env.taskQueue, workflowId, args: [input] as Parameters<W> });

/**
 * One per branch family the replay test must keep replayable; the file name is the scenario name. The deploys
 * of the shape before `patched('install-checks-release')` (deploy-succeeded, -compensated, -cancelled: release
 * check, install, public_url, register as four activities) stay recorded as they are, as do deploy-v2-* (install
 * with the check inside, register through the task queue) and deploy-v3-* (register a local activity first);
 * deploy-v4-* (the undo only after the install's helm-started signal) are today's.
 */
const scenarios: Record<string, Scenario> = {
  'deploy-v4-succeeded': { run: (env, id, sid) => start(env, deployExchange, id, deployInput(sid)) },
  'deploy-v4-compensated': {
    script: { registerBackbone: () => fail(FailureType.registryRejected, 'registry said 400') },
    run: (env, id, sid) => start(env, deployExchange, id, deployInput(sid)),
  },
  'deploy-v4-cancelled': {
    script: {
      helmInstallExchange: async () => {
        await announceHelmStarted();
        await installGate.wait();
        return { revision: 1, status: 'deployed', publicUrl: 'https://cluster.example/nats/nats-fast' };
      },
    },
    run: (env, id, sid) => start(env, deployExchange, id, deployInput(sid)),
    drive: async (handle) => {
      await installGate.entered;
      await handle.cancel();
    },
  },
  'update-succeeded': { run: (env, id, sid) => start(env, updateExchange, id, updateInput(sid)) },
  'update-failed': {
    script: { helmUpgrade: () => fail(FailureType.releaseNotFound, "release 'nats-fast' not found") },
    run: (env, id, sid) => start(env, updateExchange, id, updateInput(sid)),
  },
  'remove-succeeded': { run: (env, id, sid) => start(env, removeExchange, id, removeInput(sid, { deleteData: true })) },
};

async function main(): Promise<void> {
  const env = await startFastEnv('record', { coverage: false });
  try {
    await mkdir(historiesDir, { recursive: true });
    // `-- --only a,b` records just those scenarios (new shapes), leaving the other files as they are
    const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]?.split(',') : undefined;
    for (const [name, scenario] of Object.entries(scenarios).filter(([n]) => !only || only.includes(n))) {
      // fixed ids: a re-recording changes only what the workflow did
      const systemId = `recorded-${name}`;
      const workflowId = `exchange-${systemId}`;
      env.mocks.script(workflowId, scenario.script ?? {});
      const handle = await scenario.run(env, workflowId, systemId);
      await scenario.drive?.(handle);
      await handle.result().catch(() => undefined);
      const history = await handle.fetchHistory();
      await writeFile(`${historiesDir}${name}.json`, historyFileText(history));
      console.log(`recorded ${name} (${history.events?.length ?? 0} events)`);
    }
  } finally {
    await env.close();
  }
}

await main();
