// Builds the worker that runs the exchange workflows and their activities: real helm, real registry client.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Worker, bundleWorkflowCode, type ActivityInterceptorsFactory, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { createDataConverter } from './data-converter.js';

/** workflows/index.ts when run from source (tsx, jest), workflows/index.js when run from the compiled dist/. */
export function workflowsPath(): string {
  for (const candidate of ['../../workflows/index.ts', '../../workflows/index.js']) {
    const p = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('workflow sources not found next to the worker');
}

let bundlePromise: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundling (webpack) takes seconds; one bundle serves every worker in the process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: new DefaultLogger('WARN') });
  return bundlePromise;
}

export interface ExchangeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  payloadKeys: string;
  activities: ActivityDeps;
  maxConcurrentActivityTaskExecutions?: number;
  shutdownGraceTime?: string;
  activityInterceptors?: ActivityInterceptorsFactory[];
}

export async function createExchangeWorker(o: ExchangeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(o.activities),
    // requireEncryption is not switched on: the SDK's payload visitor also hands the codec the activation's
    // search attributes, which are never encrypted (the server indexes them) — refusing by payload would refuse those
    dataConverter: createDataConverter(o.payloadKeys),
    // each helm run is a process talking to a remote API server; a handful at a time is plenty on 2 cores
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivityTaskExecutions ?? 8,
    interceptors: { activity: o.activityInterceptors ?? [] },
    shutdownGraceTime: (o.shutdownGraceTime ?? '30 seconds') as `${number} seconds`,
  });
}
