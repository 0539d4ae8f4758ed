// helmUninstall in MockActivityEnvironment over fake helm and a fake cluster API: helm runs only for a release
// that exists (and, for a compensation, is ours); with deleteData the JetStream claims go, except those a
// compensation must keep (listed, or older than the release's oldest record); refused credentials are final.
import { KubeApiError } from '../../../activities/kube-api.js';
import { claimsOlderThan, type UninstallInput } from '../../../activities/uninstall.js';
import { EXCHANGE_LABEL, FailureType } from '../../../workflows/shared.js';
import { failureOf, flagValue, harness, record, RELEASE, SYSTEM_ID, type Harness } from './fakes.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.dispose());

const uninstall = (over: Partial<UninstallInput> = {}) => h.run(h.acts.helmUninstall, { ...RELEASE, ...over });
const claim = (n: number, created: string) => ({ name: `orders-nats-js-orders-nats-${n}`, created });
const CLAIMS = [claim(0, '2025-03-01T09:00:00Z'), claim(1, '2025-03-01T10:00:00Z'), claim(2, '2025-03-01T10:00:30Z')];
const names = (...n: number[]) => n.map((i) => CLAIMS[i]!.name);

describe('helmUninstall', () => {
  it('with no release records does not run helm and answers uninstalled: false', async () => {
    h.kube.claims = [CLAIMS[0]!];
    expect(await uninstall()).toEqual({ uninstalled: false, volumes: { action: 'kept', claims: names(0) } });
    expect(h.helm.calls).toEqual([]);
    expect(h.kube.deleted).toEqual([]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('runs `helm uninstall --ignore-not-found` for an existing release and keeps its claims by default', async () => {
    h.kube.records = [record(2, 'deployed'), record(1, 'superseded')];
    h.kube.claims = CLAIMS;
    expect(await uninstall()).toEqual({ uninstalled: true, volumes: { action: 'kept', claims: names(0, 1, 2) } });
    const args = h.helm.calls.map((c) => c.args);
    expect(args).toEqual([['uninstall', 'orders', '--kubeconfig', flagValue(args[0]!, '--kubeconfig'), '--namespace', 'communication', '--ignore-not-found', '--timeout', '300s']]);
    expect(h.kube.deleted).toEqual([]);
  });

  it('with deleteData deletes every claim of the release except those listed in keepClaims', async () => {
    h.kube.records = [record(1, 'deployed')];
    h.kube.claims = CLAIMS;
    expect(await uninstall({ deleteData: true, keepClaims: names(1) })).toEqual({ uninstalled: true, volumes: { action: 'deleted', claims: names(0, 2) } });
    expect(h.kube.deleted).toEqual(names(0, 2));
  });

  describe('ownedBy (a compensation)', () => {
    it.each([
      ['no exchange label', {}],
      ["another exchange's label", { [EXCHANGE_LABEL]: 'ex-other' }],
    ])('leaves a release with %s alone: no helm, nothing deleted', async (_name, labels) => {
      h.kube.records = [record(1, 'deployed', { labels })];
      h.kube.claims = CLAIMS;
      expect(await uninstall({ ownedBy: SYSTEM_ID, deleteData: true })).toEqual({ uninstalled: false, volumes: { action: 'kept', claims: [] } });
      expect(h.helm.calls).toEqual([]);
      expect(h.kube.deleted).toEqual([]);
    });

    it('removes a release one of whose records carries our label', async () => {
      h.kube.records = [record(2, 'failed'), record(1, 'pending-install', { labels: { [EXCHANGE_LABEL]: SYSTEM_ID } })];
      expect((await uninstall({ ownedBy: SYSTEM_ID })).uninstalled).toBe(true);
      expect(h.helm.verbs()).toEqual(['uninstall']);
    });
  });

  describe('deleteData with keepOlderClaims', () => {
    it('deletes only the claims created at or after the oldest record, keeps the older ones', async () => {
      // the claim made in the same second as the oldest record is the install's own
      h.kube.records = [record(2, 'failed', { created: '2025-03-01T10:05:00Z' }), record(1, 'superseded', { created: '2025-03-01T10:00:00Z' })];
      h.kube.claims = CLAIMS;
      const result = await uninstall({ deleteData: true, keepOlderClaims: true, ownedBy: undefined });
      expect(result).toEqual({ uninstalled: true, volumes: { action: 'deleted', claims: names(1, 2) } });
      expect(h.kube.deleted).toEqual(names(1, 2));
      expect(h.helm.verbs()).toEqual(['uninstall']);
    });

    it('keeps every claim when there is no record (the install never stored one, so it made none)', async () => {
      h.kube.claims = CLAIMS;
      expect(await uninstall({ deleteData: true, keepOlderClaims: true })).toEqual({ uninstalled: false, volumes: { action: 'deleted', claims: [] } });
      expect(h.kube.deleted).toEqual([]);
      expect(h.helm.calls).toEqual([]);
    });

    it('claimsOlderThan keeps a claim without a creation time and ignores records without one', () => {
      const records = [record(2, 'failed', { created: null }), record(1, 'deployed', { created: '2025-03-01T10:00:00Z' })];
      expect(claimsOlderThan(records, [...CLAIMS, { name: 'undated', created: '' }])).toEqual([CLAIMS[0]!.name, 'undated']);
    });
  });

  describe('cluster API failures', () => {
    it('a 403 reading the release records is HelmUnauthorized, final; helm never runs', async () => {
      h.kube.fail.releaseRecords = new KubeApiError('listing helm release records: HTTP 403', 403);
      const err = await failureOf(uninstall({ deleteData: true }));
      expect(err.type).toBe(FailureType.helmUnauthorized);
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toBe('reading release orders: the cluster refused the credentials (HTTP 403)');
      expect(h.helm.calls).toEqual([]);
      expect(await h.leftovers()).toEqual([]);
    });

    it('a 401 deleting a claim is HelmUnauthorized naming the claim', async () => {
      h.kube.records = [record(1, 'deployed')];
      h.kube.claims = [CLAIMS[0]!];
      h.kube.fail.deleteClaim = new KubeApiError('deleting PersistentVolumeClaim: HTTP 401', 401);
      const err = await failureOf(uninstall({ deleteData: true }));
      expect(err.type).toBe(FailureType.helmUnauthorized);
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toBe(`deleting PersistentVolumeClaim ${CLAIMS[0]!.name}: the cluster refused the credentials (HTTP 401)`);
    });

    it('a 500 listing the claims is retried (HelmUnavailable)', async () => {
      h.kube.records = [record(1, 'deployed')];
      h.kube.fail.releaseClaims = new KubeApiError('listing PersistentVolumeClaims: HTTP 500', 500);
      const err = await failureOf(uninstall({ deleteData: true }));
      expect(err.type).toBe(FailureType.helmUnavailable);
      expect(err.nonRetryable).toBe(false);
      expect(err.message).toBe("listing the release's PersistentVolumeClaims: listing PersistentVolumeClaims: HTTP 500");
    });
  });
});
