// helmUpgrade in MockActivityEnvironment over fake helm and a fake cluster API: which revision's values an update
// builds on, the checks that refuse it before helm runs (immutable StatefulSet fields, the values guard with the
// deployed values), and what a failed update says about helm's rollback.
import { ApplicationFailure } from '@temporalio/common';
import yaml from 'js-yaml';
import { ValuesPolicy } from '../../../src/domain/values-policy.js';
import type { Values } from '../../../src/domain/values.js';
import { FailureType } from '../../../workflows/shared.js';
import { BASE_VALUES, BASE_VALUES_PATH, failureOf, flagValue, harness, helmFailure, helmSettings, helmJson, record, RELEASE, type Harness } from './fakes.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.dispose());

const upgrade = (helmValues: Values, attempt = 1) => h.runAt({ attempt }, h.acts.helmUpgrade, { release: RELEASE, helmValues });
/** helm's user-supplied values of a revision: the base file coalesced with that revision's overrides. */
const deployedWith = (overrides: Values): Values => yaml.load(yaml.dump({ ...BASE_VALUES, ...overrides })) as Values;

describe('helmUpgrade: the values it applies', () => {
  it('merges the new overrides over the last *deployed* revision’s, never over a newer failed one', async () => {
    h.kube.records = [
      record(3, 'failed', { config: deployedWith({ natsBox: { enabled: true }, config: { ...BASE_VALUES.config as Values, cluster: { enabled: true, replicas: 9 } } }) }),
      record(2, 'deployed', { config: deployedWith({ config: { ...BASE_VALUES.config as Values, cluster: { enabled: true, replicas: 3 } }, container: { resources: { requests: { cpu: '250m', memory: '128Mi' } } } }) }),
      record(1, 'superseded'),
    ];
    h.helm.answer = () => helmJson(4);
    const result = await upgrade({ 'config.cluster.replicas': 5 });

    expect(result).toEqual({ revision: 4, status: 'deployed', implied: [] });
    expect(h.helm.calls).toHaveLength(1);
    const { args, overrides } = h.helm.calls[0]!;
    // revision 2's overrides (what differs from the base file) + the request; nothing of failed revision 3
    expect(overrides).toEqual({ config: { cluster: { enabled: true, replicas: 5 } }, container: { resources: { requests: { cpu: '250m' } } } });
    expect(args.slice(0, 3)).toEqual(['upgrade', 'orders', '/charts/nats']);
    expect(args).not.toContain('--install');
    expect(args).not.toContain('--labels');
    // helm does not wait here, so it cannot roll back either
    expect(args).not.toContain('--rollback-on-failure');
    expect(args.filter((a, i) => args[i - 1] === '--values')).toEqual([BASE_VALUES_PATH, expect.stringMatching(/overrides\.json$/)]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('an update that waits for readiness asks helm to roll back on failure', async () => {
    const waiting = await harness({ helm: helmSettings({ wait: 'watcher' }) });
    try {
      waiting.kube.records = [record(1, 'deployed')];
      await waiting.run(waiting.acts.helmUpgrade, { release: RELEASE, helmValues: {} });
      expect(waiting.helm.calls[0]!.args).toEqual(expect.arrayContaining(['--wait=watcher', '--rollback-on-failure']));
    } finally {
      await waiting.dispose();
    }
  });

  it.each([
    ['no records', [], "Release 'orders' not found"],
    ['no deployed revision', [record(1, 'failed')], "Release 'orders' has no deployed revision (newest: failed)"],
  ])('a release with %s is ReleaseNotFound, helm never runs', async (_name, records, message) => {
    h.kube.records = records;
    const err = await failureOf(upgrade({ 'config.cluster.replicas': 5 }));
    expect(err.type).toBe(FailureType.releaseNotFound);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe(message);
    expect(h.helm.calls).toEqual([]);
  });

  it('attempt 2 finding the release pending-upgrade rolls it back first, then upgrades', async () => {
    h.kube.records = [record(2, 'pending-upgrade'), record(1, 'deployed')];
    await upgrade({ 'config.cluster.replicas': 5 }, 2);
    expect(h.helm.verbs()).toEqual(['rollback', 'upgrade']);
    const rollback = h.helm.calls[0]!.args;
    expect(rollback).toEqual(['rollback', 'orders', '--kubeconfig', flagValue(rollback, '--kubeconfig'), '--namespace', 'communication', '--timeout', '300s']);
  });
  it('a retry whose recovery rollback made a deployed revision keeps a retryable failure retryable (no "rolled back" claim)', async () => {
    h.kube.records = [record(2, 'pending-upgrade'), record(1, 'deployed')];
    h.helm.answer = (args) => {
      // the recovery rollback stores revision 3 (deployed); the upgrade after it cannot reach the cluster
      if (args[0] === 'rollback') {
        h.kube.records = [record(3, 'deployed'), record(2, 'superseded'), record(1, 'superseded')];
        return helmJson(3);
      }
      throw ApplicationFailure.retryable('Kubernetes cluster unreachable', FailureType.helmUnavailable);
    };
    const err = await failureOf(upgrade({ 'config.cluster.replicas': 5 }, 2));
    expect(h.helm.verbs()).toEqual(['rollback', 'upgrade']);
    expect(err.type).toBe(FailureType.helmUnavailable);
    expect(err.nonRetryable).toBeFalsy();
    expect(err.message).toBe('Kubernetes cluster unreachable');
  });
});

describe('helmUpgrade: refused before helm runs', () => {
  it.each<[string, Values, Values, string[]]>([
    ['switching JetStream on', {}, { 'config.jetstream.enabled': true }, ['config.jetstream.enabled']],
    ['switching JetStream off', { config: { jetstream: { enabled: true } } }, { 'config.jetstream.enabled': false }, ['config.jetstream.enabled']],
    ['resizing the JetStream volume', { config: { jetstream: { enabled: true } } }, { 'config.jetstream.fileStore.pvc.size': '20Gi' }, ['config.jetstream.fileStore.pvc']],
    ['renaming the objects', {}, { fullnameOverride: 'orders-v2' }, ['fullnameOverride']],
  ])('%s is ImmutableField', async (_name, deployed, request, keys) => {
    h.kube.records = [record(1, 'deployed', { config: deployed })];
    const err = await failureOf(upgrade(request));
    expect(err.type).toBe(FailureType.immutableField);
    expect(err.nonRetryable).toBe(true);
    expect(err.details).toEqual([{ keys }]);
    expect(err.message).toMatch(/^\S+ would change StatefulSet orders(-nats|-v2)'s volumeClaimTemplates/);
    expect(h.helm.calls).toEqual([]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('a JetStream volume size under a JetStream that stays off changes nothing immutable', async () => {
    h.kube.records = [record(1, 'deployed')];
    await upgrade({ 'config.jetstream.fileStore.pvc.size': '20Gi' });
    expect(h.helm.verbs()).toEqual(['upgrade']);
  });

  it('the values guard is held against the deployed values: replicas imply the cluster switch only when it is off there', async () => {
    const guarded = await harness({ valuesGuard: { base: BASE_VALUES, schema: null, policy: new ValuesPolicy({ templateStrings: 'deny', allowed: [], rules: [] }) } });
    try {
      guarded.kube.records = [record(1, 'deployed')];
      const run = () => guarded.run(guarded.acts.helmUpgrade, { release: RELEASE, helmValues: { 'config.cluster.replicas': 5 } });
      const first = await run();
      expect(first.implied).toEqual([{ key: 'config.cluster.enabled', value: true, because: 'config.cluster.replicas > 1' }]);
      expect(guarded.helm.verbs()).toEqual(['upgrade']);

      guarded.kube.records = [record(2, 'deployed', { config: { config: { cluster: { enabled: true } } } })];
      expect((await run()).implied).toEqual([]);

      // a contradiction is refused before helm runs
      const before = guarded.helm.calls.length;
      const err = await failureOf(guarded.run(guarded.acts.helmUpgrade, { release: RELEASE, helmValues: { 'config.cluster.replicas': 5, 'config.cluster.enabled': false } }));
      expect(err.type).toBe('ContradictoryValues');
      expect(err.message).toMatch(/config\.cluster\.replicas needs config\.cluster\.enabled/);
      expect(guarded.helm.calls.length).toBe(before);
    } finally {
      await guarded.dispose();
    }
  });

  it('values retained from the cluster pass the policy like a request\'s: a tampered release record is refused', async () => {
    const policy = new ValuesPolicy({ templateStrings: 'deny', allowed: ['config/**'], rules: [] });
    const guarded = await harness({ valuesGuard: { base: BASE_VALUES, schema: null, policy } });
    try {
      guarded.kube.records = [record(1, 'deployed', { config: { config: { merge: { $tplYaml: '{{ range until 2000000000 }}x{{ end }}' } } } })];
      const err = await failureOf(guarded.run(guarded.acts.helmUpgrade, { release: RELEASE, helmValues: { 'config.monitor.port': 9000 } }));
      expect(err.type).toBe('ValuesPolicy');
      expect(err.message).toMatch(/config\.merge\.\$tplYaml \(kept from the deployed release\) \(rule templateKeys/);
      expect(guarded.helm.calls).toEqual([]);
    } finally {
      await guarded.dispose();
    }
  });
});

describe('helmUpgrade: a failed update', () => {
  const notReady = 'resource StatefulSet/communication/orders-nats not ready. status: InProgress';

  it('that helm rolled back says which revision restores which values', async () => {
    h.kube.records = [record(4, 'deployed'), record(3, 'superseded')];
    h.helm.answer = () => {
      // helm's --rollback-on-failure: the failed revision 5, then revision 6 with revision 4's values
      h.kube.records = [record(6, 'deployed', { description: 'Rollback to 4' }), record(5, 'failed'), ...h.kube.records];
      throw helmFailure(notReady);
    };
    const err = await failureOf(upgrade({ 'config.cluster.replicas': 5 }));
    expect(err.message).toBe(`${notReady} — rolled back: revision 6 restores the values of revision 4`);
    expect(err.type).toBe(FailureType.helmNotReady);
    expect(err.nonRetryable).toBe(true);
    expect(err.details).toEqual([{ rolledBackTo: 6, restoredRevision: 4 }]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('that left the deployed revision as it was is passed on unchanged (a retryable one stays retryable)', async () => {
    h.kube.records = [record(4, 'deployed')];
    const thrown = ApplicationFailure.retryable('Kubernetes cluster unreachable', FailureType.helmUnavailable);
    h.helm.answer = () => {
      h.kube.records = [record(5, 'failed'), ...h.kube.records];
      throw thrown;
    };
    const err = await failureOf(upgrade({ 'config.cluster.replicas': 5 }));
    expect(err).toBe(thrown);
    expect(err.nonRetryable).toBe(false);
  });

  it('that was cancelled is passed on unchanged even when the records moved', async () => {
    h.kube.records = [record(4, 'deployed')];
    const cancelled = helmFailure('helm upgrade cancelled', 'HelmCancelled');
    h.helm.answer = () => {
      h.kube.records = [record(5, 'deployed'), ...h.kube.records];
      throw cancelled;
    };
    expect(await failureOf(upgrade({}))).toBe(cancelled);
  });

  it('whose records cannot be read afterwards is passed on unchanged', async () => {
    h.kube.records = [record(4, 'deployed')];
    const failure = helmFailure(notReady);
    h.helm.answer = () => {
      h.kube.fail.releaseRecords = new Error('connection reset');
      throw failure;
    };
    expect(await failureOf(upgrade({}))).toBe(failure);
  });
});
