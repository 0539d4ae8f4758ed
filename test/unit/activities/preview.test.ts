// helmPreview in MockActivityEnvironment over fake helm (its dry-run JSON) and a fake cluster API (release records,
// the API server's dry-run verdicts): the argv, the merge a PUT would apply, the refusals and the diff against the
// deployed revision's manifest.
import yaml from 'js-yaml';
import { digestOf } from '../../../src/domain/manifest-diff.js';
import { deepMerge } from '../../../src/domain/values.js';
import { FailureType, type PreviewExchangeInput } from '../../../workflows/shared.js';
import { BASE_VALUES, failureOf, harness, record, RELEASE, SYSTEM_ID, type Harness } from './fakes.js';

const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders-nats' }, spec: { ports: [{ port: 4222 }] } };
const statefulSet = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'orders-nats' }, spec: { replicas } });
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'orders-nats-auth' }, data: { token: 'c2VjcmV0LXRva2Vu' } };
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orders-nats-config' }, data: { 'nats.conf': 'port: 4222' } };
const manifest = (...objects: object[]) => objects.map((o) => `---\n# Source: nats/templates/x.yaml\n${yaml.dump(o)}`).join('');
const rendered = (...objects: object[]) => ({ stdout: JSON.stringify({ manifest: manifest(...objects), chart: { metadata: { version: '2.14.2' } } }), stderr: '' });

let h: Harness;
beforeEach(async () => {
  h = await harness();
  h.helm.answer = () => rendered(service, statefulSet(3), secret);
});
afterEach(() => h.dispose());

const preview = (over: Partial<PreviewExchangeInput>) =>
  h.run(h.acts.helmPreview, { ...RELEASE, systemId: SYSTEM_ID, helmValues: {}, mode: 'install', manifests: false, ...over });

describe('helmPreview', () => {
  it('install: renders with --install --dry-run=server and has every object checked by the API server', async () => {
    const checked: string[] = [];
    h.kube.dryRun = (obj) => {
      checked.push(String(obj.kind));
      return obj.kind === 'Secret' ? { outcome: 'skipped', reason: 'namespace communication does not exist yet' } : { outcome: 'accepted' };
    };
    const result = await preview({ helmValues: { 'config.cluster.enabled': true } });

    const { args, overrides } = h.helm.calls[0]!;
    expect(args.slice(0, 4)).toEqual(['upgrade', 'orders', '/charts/nats', '--install']);
    expect(args.at(-1)).toBe('--dry-run=server');
    expect(args).not.toContain('--labels');
    expect(overrides).toEqual({ config: { cluster: { enabled: true } } });
    expect(checked).toEqual(['Service', 'StatefulSet', 'Secret']);
    expect(result).toEqual({
      systemId: SYSTEM_ID,
      releaseName: 'orders',
      namespace: 'communication',
      mode: 'install',
      chartVersion: '2.14.2',
      values: deepMerge(BASE_VALUES, { config: { cluster: { enabled: true } } }),
      objects: [service, statefulSet(3), secret].map((o) => ({ kind: o.kind, name: o.metadata.name, digest: digestOf(o) })),
      refused: [],
      unchecked: [{ kind: 'Secret', name: 'orders-nats-auth', reason: 'namespace communication does not exist yet' }],
      implied: [],
    });
    expect(await h.leftovers()).toEqual([]);
  });

  it('install: a release that exists is ReleaseAlreadyExists, nothing rendered', async () => {
    h.kube.records = [record(1, 'deployed')];
    const err = await failureOf(preview({ mode: 'install' }));
    expect([err.type, err.nonRetryable]).toEqual([FailureType.releaseAlreadyExists, true]);
    expect(h.helm.calls).toEqual([]);
  });

  it('upgrade: merges over the deployed revision and diffs against its manifest, Secret values hidden', async () => {
    h.kube.records = [
      record(3, 'failed', { config: { natsBox: { enabled: true } } }),
      record(2, 'deployed', { config: { config: { cluster: { enabled: true } } }, manifest: manifest(service, statefulSet(1), configMap) }),
    ];
    const result = await preview({ mode: 'upgrade', helmValues: { 'config.cluster.replicas': 3 }, manifests: true });

    expect(h.helm.calls[0]!.args).not.toContain('--install');
    expect(h.helm.calls[0]!.overrides).toEqual({ config: { cluster: { enabled: true, replicas: 3 } } });
    expect(result.baseRevision).toBe(2);
    expect(result.diff).toEqual({
      added: [{ kind: 'Secret', name: 'orders-nats-auth', digest: digestOf(secret) }],
      removed: [{ kind: 'ConfigMap', name: 'orders-nats-config', digest: digestOf(configMap) }],
      changed: [{ kind: 'StatefulSet', name: 'orders-nats', old_digest: digestOf(statefulSet(1)), new_digest: digestOf(statefulSet(3)) }],
      unchanged: 1,
    });
    expect(result.objects.find((o) => o.kind === 'Secret')!.manifest).toEqual({ ...secret, data: { token: '<redacted>' } });
    expect(JSON.stringify(result)).not.toContain(secret.data.token);
  });

  it('upgrade: an immutable change is refused once by the chart rules; other API server refusals are listed', async () => {
    h.kube.records = [record(1, 'deployed', { manifest: manifest(service, statefulSet(3), secret) })];
    h.kube.dryRun = (obj) => (obj.kind === 'Secret' ? { outcome: 'accepted' } : { outcome: 'refused', status: obj.kind === 'Service' ? 403 : 422, reason: 'nope' });
    const result = await preview({ mode: 'upgrade', helmValues: { 'config.jetstream.enabled': true } });

    expect(result.refused).toEqual([
      { kind: 'StatefulSet', name: 'orders-nats', source: 'chart-rules', reason: expect.stringMatching(/^config\.jetstream\.enabled would change StatefulSet orders-nats's/) },
      { kind: 'Service', name: 'orders-nats', source: 'api-server', reason: 'the API server refused it (HTTP 403): nope' },
    ]);
    expect(result.diff).toEqual({ added: [], removed: [], changed: [], unchanged: 3 });
  });

  it('upgrade: a release without a deployed revision is ReleaseNotFound', async () => {
    h.kube.records = [record(1, 'pending-install')];
    const err = await failureOf(preview({ mode: 'upgrade' }));
    expect([err.type, err.message]).toEqual([FailureType.releaseNotFound, "Release 'orders' has no deployed revision (newest: pending-install)"]);
  });

  it.each([
    ['no JSON', 'Error: oops', 'helm printed no JSON for the dry run'],
    ['an unreadable manifest', JSON.stringify({ manifest: '---\nkind: Service\n' }), 'the dry run rendered an unreadable manifest: a rendered object has no kind or no metadata.name'],
  ])('helm printing %s is HelmRejected', async (_name, stdout, message) => {
    h.helm.answer = () => ({ stdout, stderr: '' });
    const err = await failureOf(preview({}));
    expect([err.type, err.nonRetryable, err.message]).toEqual([FailureType.helmRejected, true, message]);
  });
});
