// The workflows on a real Temporal server with the real activities (helm, test cluster, registry over HTTP):
// retries, compensation, cancellation, update merging, idempotent removal, and what history holds.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { execa } from 'execa';
import { helm, helmReleaseNames, helmValues, testKubeconfig, testKubeconfigToken } from '../support/cluster.js';
import { NEVER_READY, testEnv, uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';
import { exchangeWorkflowId, type DeployExchangeInput, type Progress } from '../../workflows/shared.js';
import { expandDottedKeys } from '../../src/domain/values.js';
import { DEFAULT_KUBECONFIG_POLICY, resolveKubeconfig } from '../../src/domain/kubeconfig.js';
import { ENCODING } from '../../src/temporal/encryption-codec.js';
import { createCodec } from '../../src/temporal/data-converter.js';

function deployInput(overrides: Record<string, unknown> = {}): DeployExchangeInput {
  return {
    systemId: randomUUID(),
    kubeconfig: resolveKubeconfig(testKubeconfig(), { ...DEFAULT_KUBECONFIG_POLICY, serverAllowlist: ['127.0.0.1'] }).minimal,
    releaseName: uniqueName('wf'),
    namespace: uniqueName('ns'),
    helmValues: expandDottedKeys(overrides),
    orgIds: ['org001'],
    clusterId: 'local',
    name: 'workflow test',
    metadata: {},
  };
}

/** Every payload ({ metadata, data }, base64 in protobuf JSON) anywhere under `value`, decoded to utf8 text. */
function decodedPayloads(value: unknown): Array<{ metadata: Record<string, string>; data: string }> {
  if (Array.isArray(value)) return value.flatMap(decodedPayloads);
  if (!value || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  const text = (b64: unknown) => Buffer.from(typeof b64 === 'string' ? b64 : '', 'base64').toString('utf8');
  if (o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata) && (o.data === undefined || typeof o.data === 'string')) {
    return [{ metadata: Object.fromEntries(Object.entries(o.metadata).map(([k, v]) => [k, text(v)])), data: text(o.data) }];
  }
  return Object.values(o).flatMap(decodedPayloads);
}

describe('deployExchange, updateExchange and removeExchange on a real Temporal server', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ failRegistryWrites: 0 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const start = (type: string, input: { systemId: string } & Record<string, unknown>) =>
    stack.client.workflow.start(type, { taskQueue: stack.taskQueue, workflowId: exchangeWorkflowId(input.systemId), args: [input] });

  it('retries a registration the registry refused for a while, then succeeds', async () => {
    // one HTTP call per attempt: the local attempt fails, then the queued activity's attempts 1-2 fail and 3 passes
    stack.faults.failWrites = 3;
    stack.faults.writesSeen = 0;
    const input = deployInput({ 'config.jetstream.enabled': true });
    const handle = await start('deployExchange', { ...input });
    const result = await handle.result();
    stack.faults.failWrites = 0;
    expect(result).toMatchObject({ systemId: input.systemId, releaseName: input.releaseName, publicUrl: `https://127.0.0.1/nats/${input.releaseName}` });
    expect(stack.faults.writesSeen).toBe(4);
    const history = await handle.fetchHistory();
    const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(Math.max(...started.map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0))).toBe(3);
    // the local attempt is recorded as a marker, not as an activity task
    expect((history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(1);
    expect(await stack.store.get(input.systemId)).not.toBeNull();
    expect(await helmReleaseNames(input.namespace)).toEqual([input.releaseName]);
    const progress = await handle.query<Progress>('progress');
    expect(progress).toMatchObject({ operation: 'deploy', status: 'succeeded', step: 'done', lastError: null });
  });

  it('keeps the kubeconfig token out of the history in the clear', async () => {
    const input = deployInput();
    const handle = await start('deployExchange', { ...input });
    await handle.result();
    const token = testKubeconfigToken();
    // the history's protobuf JSON carries payload bytes as base64, so a plain text search could never find the
    // token: decode every payload (data and metadata) and search what it holds
    const history = JSON.parse(JSON.stringify(await handle.fetchHistory())) as { events?: Array<{ workflowExecutionStartedEventAttributes?: { input?: unknown } }> };
    const payloads = decodedPayloads(history);
    expect(payloads.length).toBeGreaterThan(0);
    for (const p of payloads) {
      expect(p.data).not.toContain(token);
      expect(Object.values(p.metadata).join('\n')).not.toContain(token);
    }
    // the workflow input (kubeconfig included) is sealed by the encryption codec, not stored as plain JSON
    const [inputPayload] = decodedPayloads(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input);
    expect(inputPayload?.metadata.encoding).toBe(ENCODING);
    expect(() => JSON.parse(inputPayload?.data ?? '') as unknown).toThrow();
    // the codec decodes what the server holds back into exactly the input that was sent
    const raw = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const [decoded] = await createCodec(testEnv().payloadKeys).decode(raw);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(input);
  });

  it('when registration fails for good, uninstalls the release and fails with RegistrationFailed', async () => {
    stack.faults.failWrites = Number.POSITIVE_INFINITY;
    try {
      const input = deployInput({ 'config.jetstream.enabled': true });
      const handle = await start('deployExchange', { ...input });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('RegistrationFailed');
      expect((cause as ApplicationFailure).details?.[0]).toMatchObject({ step: 'register', causeType: 'RegistryUnavailable', compensated: ['helm-uninstall'] });
      expect(await helmReleaseNames(input.namespace)).toEqual([]);
      expect(await stack.store.get(input.systemId)).toBeNull();
      const progress = await handle.query<Progress>('progress');
      expect(progress.status).toBe('failed');
      expect(progress.lastError).toContain('HTTP 503');
    } finally {
      stack.faults.failWrites = 0;
    }
  });

  it('update merges new overrides over the release’s current ones and leaves the registry alone', async () => {
    const input = deployInput({ 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '5Gi' });
    await (await start('deployExchange', { ...input })).result();
    const before = await stack.store.get(input.systemId);
    const update = await start('updateExchange', {
      systemId: input.systemId,
      kubeconfig: input.kubeconfig,
      releaseName: input.releaseName,
      namespace: input.namespace,
      helmValues: expandDottedKeys({ 'config.cluster.enabled': true, 'config.cluster.replicas': 5, 'promExporter.enabled': true }),
    });
    expect(await update.result()).toMatchObject({ revision: 2 });
    expect(await helmValues(input.releaseName, input.namespace)).toMatchObject({
      config: { jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } }, cluster: { enabled: true, replicas: 5 } },
      promExporter: { enabled: true },
    });
    // a second update that only touches replicas keeps the exporter and JetStream
    const again = await start('updateExchange', {
      systemId: input.systemId,
      kubeconfig: input.kubeconfig,
      releaseName: input.releaseName,
      namespace: input.namespace,
      helmValues: expandDottedKeys({ 'config.cluster.replicas': 3 }),
    });
    expect(await again.result()).toMatchObject({ revision: 3 });
    expect(await helmValues(input.releaseName, input.namespace)).toMatchObject({
      config: { jetstream: { enabled: true }, cluster: { enabled: true, replicas: 3 } },
      promExporter: { enabled: true },
    });
    expect(await stack.store.get(input.systemId)).toEqual(before);
  });

  it('update of a release that does not exist fails without installing it', async () => {
    const input = deployInput();
    const err = await (
      await start('updateExchange', { systemId: input.systemId, kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace, helmValues: {} })
    )
      .result()
      .catch((e: unknown) => e);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('UpdateFailed');
    expect(cause.message).toContain(`Helm upgrade failed for release '${input.releaseName}'`);
    expect(cause.details?.[0]).toMatchObject({ causeType: 'ReleaseNotFound' });
    expect(await helmReleaseNames(input.namespace)).toEqual([]);
  });

  it('remove uninstalls and deregisters; removing again is a no-op success', async () => {
    const input = deployInput();
    await (await start('deployExchange', { ...input })).result();
    const ref = { systemId: input.systemId, kubeconfig: input.kubeconfig, releaseName: input.releaseName, namespace: input.namespace };
    expect(await (await start('removeExchange', ref)).result()).toMatchObject({ releaseUninstalled: true, recordDeleted: true });
    expect(await helmReleaseNames(input.namespace)).toEqual([]);
    expect(await stack.store.get(input.systemId)).toBeNull();
    expect(await (await start('removeExchange', ref)).result()).toMatchObject({ releaseUninstalled: false, recordDeleted: false });
  });
});

describe('a deploy that waits on pods that never become ready (no node matches their selector)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ helmWait: 'watcher', helmTimeoutSeconds: 600 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers the progress query while helm runs, and on cancellation kills helm and uninstalls the release', async () => {
    const input = deployInput(NEVER_READY);
    const handle = await stack.client.workflow.start('deployExchange', { taskQueue: stack.taskQueue, workflowId: exchangeWorkflowId(input.systemId), args: [input] });
    // helm has created the release and is now waiting for the StatefulSet
    await eventually('release to appear', async () => ((await helmReleaseNames(input.namespace)).includes(input.releaseName) ? true : undefined), 60_000);
    const progress = await handle.query<Progress>('progress');
    expect(progress).toMatchObject({ operation: 'deploy', step: 'helm-install', status: 'running' });
    // the activity reads readiness from the cluster and tells the workflow
    await eventually('the readiness report', async () => ((await handle.query<Progress>('progress')).detail === '0/1 NATS pods ready' ? true : undefined), 30_000);
    // heartbeats keep arriving while helm blocks
    await eventually('a heartbeat', async () => {
      const d = await handle.describe();
      return (d.raw.pendingActivities ?? []).some((a) => a.heartbeatDetails) ? true : undefined;
    }, 60_000);

    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // compensation ran to the end despite the cancellation
    expect(await helmReleaseNames(input.namespace)).toEqual([]);
    expect(await stack.store.get(input.systemId)).toBeNull();
    const after = await handle.query<Progress>('progress');
    expect(after.status).toBe('failed');
    expect(after.attempts['helm-uninstall']).toBe(1);
  });
});

describe('a deploy whose helm process and worker die mid-install', () => {
  let stack: Stack;
  beforeAll(async () => {
    // the first worker's helm waits for pods that can never be scheduled, so it is still running when it is killed
    stack = await startStack({ helmWait: 'watcher', helmTimeoutSeconds: 600 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is finished by the next worker, which clears the pending-install lock the killed helm left', async () => {
    const input = deployInput({ 'config.jetstream.enabled': true, ...NEVER_READY });
    const handle = await stack.client.workflow.start('deployExchange', { taskQueue: stack.taskQueue, workflowId: exchangeWorkflowId(input.systemId), args: [input] });
    await eventually('helm to be mid-install', async () => {
      const r = await helm(['status', input.releaseName, '--namespace', input.namespace, '--output', 'json']);
      return r.exitCode === 0 && (JSON.parse(r.stdout) as { info: { status: string } }).info.status === 'pending-install' ? true : undefined;
    }, 60_000);

    // the node goes away: its worker stops polling and its helm is killed without a chance to clean up
    const stopping = stack.stopWorker();
    const killed = await execa('pkill', ['-KILL', '-f', `upgrade ${input.releaseName} `], { reject: false });
    expect(killed.exitCode).toBe(0);
    await stopping;
    const locked = await helm(['status', input.releaseName, '--namespace', input.namespace, '--output', 'json']);
    expect((JSON.parse(locked.stdout) as { info: { status: string } }).info.status).toBe('pending-install');

    // a replacement worker (this one does not wait for pods) picks up the retry
    await stack.startWorker({ helmWait: 'none' });
    const result = await handle.result();
    expect(result).toMatchObject({ systemId: input.systemId, releaseName: input.releaseName });
    const after = await helm(['status', input.releaseName, '--namespace', input.namespace, '--output', 'json']);
    expect((JSON.parse(after.stdout) as { info: { status: string } }).info.status).toBe('deployed');
    expect(await helmValues(input.releaseName, input.namespace)).toMatchObject({ config: { jetstream: { enabled: true } } });
    expect(await stack.store.get(input.systemId)).not.toBeNull();
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
  });
});
