// helmRollback in MockActivityEnvironment over fake helm and a fake cluster API: the argv, the revision it made
// (read back from the records), a retry that finds its rollback done, and the refusals before helm runs.
import type { StoredRelease } from '../../../activities/kube-api.js';
import { ValuesPolicy } from '../../../src/domain/values-policy.js';
import { FailureType } from '../../../workflows/shared.js';
import { failureOf, flagValue, harness, helmSettings, record, RELEASE, type Harness } from './fakes.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
  h.kube.records = HISTORY;
});
afterEach(() => h.dispose());

const JETSTREAM = { config: { jetstream: { enabled: true } } };
const HISTORY: StoredRelease[] = [
  record(3, 'deployed', { config: { config: { cluster: { enabled: true, replicas: 5 } } } }),
  record(2, 'superseded', { config: { config: { cluster: { enabled: true } } } }),
  record(1, 'superseded'),
];
const rollback = (revision: number, attempt = 1) => h.runAt({ attempt }, h.acts.helmRollback, { ...RELEASE, revision });

describe('helmRollback', () => {
  it('runs `helm rollback <release> <revision>` and answers the revision helm made', async () => {
    h.helm.answer = () => {
      h.kube.records = [record(4, 'deployed', { description: 'Rollback to 2' }), ...HISTORY.map((r) => ({ ...r, status: 'superseded' }))];
      return { stdout: 'Rollback was a success! Happy Helming!', stderr: '' };
    };
    expect(await rollback(2)).toEqual({ revision: 4, status: 'deployed', restoredRevision: 2 });
    const args = h.helm.calls[0]!.args;
    expect(args).toEqual(['rollback', 'orders', '2', '--kubeconfig', flagValue(args, '--kubeconfig'), '--namespace', 'communication', '--timeout', '300s', '--history-max', '10']);
    expect(await h.leftovers()).toEqual([]);
  });

  it('waits for readiness as an upgrade does when the settings ask for it', async () => {
    const waiting = await harness({ helm: helmSettings({ wait: 'legacy' }) });
    try {
      waiting.kube.records = HISTORY;
      await waiting.run(waiting.acts.helmRollback, { ...RELEASE, revision: 1 });
      expect(waiting.helm.calls[0]!.args).toContain('--wait=legacy');
    } finally {
      await waiting.dispose();
    }
  });

  it('a retry that finds its rollback done answers it without running helm again', async () => {
    h.kube.records = [record(4, 'deployed', { description: 'Rollback to 2' }), ...HISTORY];
    expect(await rollback(2, 2)).toEqual({ revision: 4, status: 'deployed', restoredRevision: 2 });
    expect(h.helm.calls).toEqual([]);
  });

  it('the same records on a first attempt are rolled back again (an earlier rollback, not this activity’s)', async () => {
    h.kube.records = [record(4, 'deployed', { description: 'Rollback to 2' }), ...HISTORY];
    await rollback(2, 1);
    expect(h.helm.verbs()).toEqual(['rollback']);
  });

  it('an unknown release is ReleaseNotFound', async () => {
    h.kube.records = [];
    const err = await failureOf(rollback(1));
    expect([err.type, err.nonRetryable, err.message]).toEqual([FailureType.releaseNotFound, true, "Release 'orders' not found"]);
    expect(h.helm.calls).toEqual([]);
  });

  it('a revision helm no longer keeps is RevisionNotFound, naming the ones it keeps', async () => {
    const err = await failureOf(rollback(9));
    expect(err.type).toBe(FailureType.revisionNotFound);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe("Release 'orders' has no revision 9 (it keeps revisions 1 to 3)");
    expect(h.helm.calls).toEqual([]);
  });

  it('a revision whose values would change an immutable field of the deployed release is ImmutableField', async () => {
    h.kube.records = [record(2, 'deployed'), record(1, 'superseded', { config: JETSTREAM })];
    const err = await failureOf(rollback(1));
    expect(err.type).toBe(FailureType.immutableField);
    expect(err.details).toEqual([{ keys: ['config.jetstream.enabled'] }]);
    expect(h.helm.calls).toEqual([]);
  });

  it('a revision whose values fail today’s values policy is refused', async () => {
    const policy = new ValuesPolicy({ templateStrings: 'deny', allowed: [], rules: [{ name: 'no-cluster', paths: ['config/cluster/**'], action: 'deny', reason: 'clusters are not offered' }] });
    const guarded = await harness({ valuesGuard: { base: {}, schema: null, policy } });
    try {
      guarded.kube.records = HISTORY;
      const err = await failureOf(guarded.run(guarded.acts.helmRollback, { ...RELEASE, revision: 2 }));
      expect(err.type).toBe(FailureType.valuesPolicy);
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toMatch(/^Revision 2's values fail today's values guard: Refused by the values policy: config\.cluster\.enabled \(rule no-cluster/);
      expect(guarded.helm.calls).toEqual([]);
    } finally {
      await guarded.dispose();
    }
  });
});
