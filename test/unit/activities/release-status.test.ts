// helmReleaseStatus and helmRevisions in MockActivityEnvironment: answered from helm's release records and the
// release's claims as the (fake) cluster API returns them; no helm process for a read.
import { KubeApiError } from '../../../activities/kube-api.js';
import { digestOf } from '../../../src/domain/manifest-diff.js';
import { FailureType } from '../../../workflows/shared.js';
import { kubeconfigWithUser } from '../fixtures/kubeconfig.js';
import { failureOf, harness, record, RELEASE, type Harness } from './fakes.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.dispose());

const CLAIM = { name: 'orders-nats-js-orders-nats-0', created: '2025-03-01T10:00:00Z' };

describe('helmReleaseStatus', () => {
  it('a release with records: exists, with the newest record’s status and revision, and its claims', async () => {
    h.kube.records = [record(2, 'deployed'), record(3, 'pending-upgrade'), record(1, 'superseded')];
    h.kube.claims = [CLAIM];
    expect(await h.run(h.acts.helmReleaseStatus, RELEASE)).toEqual({ exists: true, status: 'pending-upgrade', revision: 3, claims: [CLAIM.name] });
    expect(h.helm.calls).toEqual([]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('no records: does not exist, and still lists the claims a former release left', async () => {
    h.kube.claims = [CLAIM];
    expect(await h.run(h.acts.helmReleaseStatus, RELEASE)).toEqual({ exists: false, claims: [CLAIM.name] });
  });

  it('refused credentials are HelmUnauthorized; an unreachable cluster is retried', async () => {
    h.kube.fail.releaseClaims = new KubeApiError('listing PersistentVolumeClaims: HTTP 401', 401);
    const refused = await failureOf(h.run(h.acts.helmReleaseStatus, RELEASE));
    expect([refused.type, refused.nonRetryable]).toEqual([FailureType.helmUnauthorized, true]);

    h.kube.fail = { releaseRecords: new KubeApiError('GET /api/v1/namespaces/communication/secrets: ECONNREFUSED', 0) };
    const down = await failureOf(h.run(h.acts.helmReleaseStatus, RELEASE));
    expect([down.type, down.nonRetryable]).toEqual([FailureType.helmUnavailable, false]);
    expect(down.message).toBe('reading release orders: GET /api/v1/namespaces/communication/secrets: ECONNREFUSED');
  });

  it('a kubeconfig with a file reference is InvalidKubeconfig before the cluster is asked', async () => {
    h.kube.fail.releaseRecords = new Error('the cluster must not be read');
    const kubeconfig = kubeconfigWithUser({ tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
    const err = await failureOf(h.run(h.acts.helmReleaseStatus, { ...RELEASE, kubeconfig }));
    expect(err.type).toBe(FailureType.invalidKubeconfig);
    expect(err.nonRetryable).toBe(true);
  });
});

describe('helmRevisions', () => {
  it('lists the revisions oldest first, values as a digest only', async () => {
    const values = { config: { cluster: { enabled: true } } };
    h.kube.records = [
      record(2, 'deployed', { config: values, description: 'Upgrade complete', time: '2025-03-01T10:05:00Z' }),
      record(1, 'superseded', { description: 'Install complete', time: '2025-03-01T10:00:00Z' }),
    ];
    const revisions = await h.run(h.acts.helmRevisions, RELEASE);
    expect(revisions).toEqual([
      { revision: 1, status: 'superseded', chartVersion: '2.14.2', appVersion: '2.11.0', time: '2025-03-01T10:00:00Z', description: 'Install complete', valuesDigest: digestOf({}) },
      { revision: 2, status: 'deployed', chartVersion: '2.14.2', appVersion: '2.11.0', time: '2025-03-01T10:05:00Z', description: 'Upgrade complete', valuesDigest: digestOf(values) },
    ]);
    expect(JSON.stringify(revisions)).not.toContain('cluster');
  });

  it('an unknown release has no revisions', async () => {
    expect(await h.run(h.acts.helmRevisions, RELEASE)).toEqual([]);
  });
});
