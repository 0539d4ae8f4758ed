// Mocked activities for the fast workflow tier: plain async functions with the real Activities signatures and
// no helm, cluster or registry behind them. One worker serves every test of a file, so each test scripts what
// the activities of *its* workflow id do; unscripted activities succeed. Every call is recorded with how it
// ended, so a test can tell an activity that was cancelled from one that ran to the end.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Activities } from '../../../activities/index.js';
import { readinessSignal } from '../../../workflows/progress.js';
import { HELM_STARTED_SIGNAL } from '../../../workflows/shared.js';

export type ActivityName = keyof Activities;
export type Script = Partial<Activities>;

export interface ActivityCall {
  workflowId: string;
  name: ActivityName;
  attempt: number;
  input: unknown;
  outcome: 'running' | 'completed' | 'failed' | 'cancelled';
}

/** What an unscripted activity answers: a release that does not exist yet, installs and registrations that work. */
const happyPath: Activities = {
  helmReleaseStatus: () => Promise.resolve({ exists: false, claims: [] }),
  helmUpgradeInstall: () => Promise.resolve({ revision: 1, status: 'deployed' }),
  helmInstallExchange: async ({ release }) => {
    await announceHelmStarted();
    return { revision: 1, status: 'deployed', publicUrl: `https://cluster.example/nats/${release.releaseName}` };
  },
  helmUpgrade: () => Promise.resolve({ revision: 2, status: 'deployed' }),
  helmUninstall: () => Promise.resolve({ uninstalled: true, volumes: { action: 'kept', claims: [] } }),
  derivePublicUrl: ({ releaseName }) => Promise.resolve(`https://cluster.example/nats/${releaseName}`),
  registerBackbone: (rec) => Promise.resolve({ ...rec, created_at: '2025-01-01T00:00:00.000Z' }),
  deregisterBackbone: () => Promise.resolve({ deleted: true }),
  helmPreview: (input) =>
    Promise.resolve({ systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, mode: input.mode, chartVersion: '2.14.2', values: {}, objects: [], refused: [], unchecked: [] }),
  helmRevisions: () => Promise.resolve([]),
  helmRollback: ({ revision }) => Promise.resolve({ revision: 3, status: 'deployed', restoredRevision: revision }),
};

export class MockActivities {
  private readonly scripts = new Map<string, Script>();
  readonly calls: ActivityCall[] = [];

  /** What the activities of one workflow id do (the rest follow the happy path). */
  script(workflowId: string, script: Script): void {
    this.scripts.set(workflowId, script);
  }

  /** Activity names in call order (retries included) for one workflow id. */
  names(workflowId: string): ActivityName[] {
    return this.callsOf(workflowId).map((c) => c.name);
  }

  callsOf(workflowId: string): ActivityCall[] {
    return this.calls.filter((c) => c.workflowId === workflowId);
  }

  /** The object given to Worker.create: each entry dispatches to the calling workflow's script. */
  get activities(): Activities {
    const dispatch = <K extends ActivityName>(name: K) =>
      (async (...args: unknown[]) => {
        const info = Context.current().info;
        const workflowId = info.workflowExecution?.workflowId ?? '';
        const call: ActivityCall = { workflowId, name, attempt: info.attempt, input: args[0], outcome: 'running' };
        this.calls.push(call);
        const impl = (this.scripts.get(workflowId)?.[name] ?? happyPath[name]) as (...a: unknown[]) => Promise<unknown>;
        try {
          const result = await impl(...args);
          call.outcome = 'completed';
          return result;
        } catch (err) {
          call.outcome = err instanceof CancelledFailure ? 'cancelled' : 'failed';
          throw err;
        }
      }) as unknown as Activities[K];
    return {
      helmReleaseStatus: dispatch('helmReleaseStatus'),
      helmUpgradeInstall: dispatch('helmUpgradeInstall'),
      helmInstallExchange: dispatch('helmInstallExchange'),
      helmUpgrade: dispatch('helmUpgrade'),
      helmUninstall: dispatch('helmUninstall'),
      derivePublicUrl: dispatch('derivePublicUrl'),
      registerBackbone: dispatch('registerBackbone'),
      deregisterBackbone: dispatch('deregisterBackbone'),
      helmPreview: dispatch('helmPreview'),
      helmRevisions: dispatch('helmRevisions'),
      helmRollback: dispatch('helmRollback'),
    };
  }
}

/** A final failure of the given type, as the real activities raise for errors retrying cannot fix. */
export function fail(type: string, message = `${type} (mocked)`): Promise<never> {
  return Promise.reject(ApplicationFailure.nonRetryable(message, type));
}

/** A failure Temporal retries (the activity profile's backoff applies). */
export function failRetryably(type: string, message = `${type} (mocked)`): Promise<never> {
  return Promise.reject(ApplicationFailure.retryable(message, type));
}

/**
 * A point a mocked activity stops at until the test opens it. While it waits the activity heartbeats, which is
 * how a cancellation reaches it: then it throws CancelledFailure, as a cancelled helm run does.
 */
export class Gate {
  private opened = false;
  private enter!: () => void;
  /** Resolves once an activity is waiting at the gate. */
  readonly entered = new Promise<void>((ok) => (this.enter = ok));

  open(): void {
    this.opened = true;
  }

  async wait(): Promise<void> {
    const ctx = Context.current();
    this.enter();
    while (!this.opened) {
      ctx.heartbeat();
      await ctx.sleep(25);
    }
  }
}

/** What the real helmInstallExchange does just before helm runs: tells the deploy there may be something to undo. */
export async function announceHelmStarted(): Promise<void> {
  const ctx = Context.current();
  const wf = ctx.info.workflowExecution;
  if (!wf) throw new Error('not called from a workflow');
  await ctx.client.workflow.getHandle(wf.workflowId, wf.runId).signal(HELM_STARTED_SIGNAL);
}

/** Tells the calling workflow how far readiness is, through the same signal the real helm activities send. */
export async function reportReadiness(text: string): Promise<void> {
  const ctx = Context.current();
  const wf = ctx.info.workflowExecution;
  if (!wf) throw new Error('not called from a workflow');
  await ctx.client.workflow.getHandle(wf.workflowId, wf.runId).signal(readinessSignal, text);
}
