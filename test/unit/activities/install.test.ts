// helmInstallExchange / helmUpgradeInstall / derivePublicUrl in MockActivityEnvironment over fake helm and a fake
// cluster API: the argv helm gets, the ownership check on helm's release records, the recovery of a release an
// interrupted attempt left pending, the kubeconfig policy, and the kubeconfig file that never outlives the call.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { KubeApiError } from '../../../activities/kube-api.js';
import { EXCHANGE_LABEL, FailureType } from '../../../workflows/shared.js';
import { kubeconfigWithCluster, kubeconfigWithUser } from '../fixtures/kubeconfig.js';
import { BASE_VALUES_PATH, failureOf, flagValue, harness, helmFailure, helmSettings, helmJson, PUBLIC_URL, record, RELEASE, SYSTEM_ID, type Harness } from './fakes.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.dispose());

const input = (over: Partial<Parameters<Harness['acts']['helmInstallExchange']>[0]> = {}) => ({
  release: RELEASE,
  helmValues: { 'config.jetstream.enabled': true, config: { cluster: { replicas: 5 } } },
  systemId: SYSTEM_ID,
  clusterId: 'c-eu-1',
  ...over,
});
const ours = { [EXCHANGE_LABEL]: SYSTEM_ID };

describe('helmInstallExchange', () => {
  it('with no release records runs `helm upgrade --install` labelled with the exchange id, base values then overrides', async () => {
    let kubeconfigSeen: { path: string; mode: number; server: unknown } | undefined;
    h.helm.answer = async (args) => {
      const path = flagValue(args, '--kubeconfig')!;
      const kc = yaml.load(await readFile(path, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
      kubeconfigSeen = { path, mode: (await stat(path)).mode & 0o777, server: kc.clusters[0]!.cluster.server };
      return helmJson(1, 'deployed');
    };
    const result = await h.run(h.acts.helmInstallExchange, input());

    expect(result).toEqual({ revision: 1, status: 'deployed', publicUrl: PUBLIC_URL });
    expect(h.helm.calls).toHaveLength(1);
    const { args, overrides } = h.helm.calls[0]!;
    const kubeconfigPath = flagValue(args, '--kubeconfig')!;
    expect(args).toEqual([
      'upgrade', 'orders', '/charts/nats', '--install', '--create-namespace',
      '--kubeconfig', kubeconfigPath, '--namespace', 'communication',
      '--values', BASE_VALUES_PATH, '--values', join(dirname(kubeconfigPath), 'overrides.json'),
      '--reset-values', '--timeout', '300s', '--history-max', '10',
      '--labels', `exchange-id=${SYSTEM_ID}`, '--output', 'json',
    ]);
    // dotted keys expanded and merged with the nested ones; the base file is a separate --values
    expect(overrides).toEqual({ config: { jetstream: { enabled: true }, cluster: { replicas: 5 } } });
    expect(kubeconfigSeen).toEqual({ path: kubeconfigPath, mode: 0o600, server: 'https://api.example.com:6443' });
    expect(kubeconfigPath.startsWith(h.tempDir)).toBe(true);
    // the kubeconfig (a credential) and the overrides are removed with their directory
    expect(existsSync(kubeconfigPath)).toBe(false);
    expect(await h.leftovers()).toEqual([]);
  });

  it.each([
    ['no labels', {}],
    ["another exchange's id", { [EXCHANGE_LABEL]: 'ex-other' }],
  ])('a release whose records carry %s is somebody else’s: ReleaseAlreadyExists, helm never runs', async (_name, labels) => {
    h.kube.records = [record(1, 'deployed', { labels })];
    const err = await failureOf(h.run(h.acts.helmInstallExchange, input()));
    expect(err.type).toBe(FailureType.releaseAlreadyExists);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe("Release 'orders' already exists in namespace 'communication' (status deployed)");
    expect(h.helm.calls).toEqual([]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('a release with our label (an earlier attempt whose answer was lost) is upgraded again', async () => {
    h.kube.records = [record(2, 'failed', { labels: ours }), record(1, 'deployed', { labels: ours })];
    h.helm.answer = () => helmJson(3);
    const result = await h.run(h.acts.helmInstallExchange, input());
    expect(result).toEqual({ revision: 3, status: 'deployed', publicUrl: PUBLIC_URL });
    expect(h.helm.verbs()).toEqual(['upgrade']);
  });

  it('attempt 2 finding our release pending-install uninstalls it first, then installs', async () => {
    h.kube.records = [record(1, 'pending-install', { labels: ours })];
    const result = await h.runAt({ attempt: 2 }, h.acts.helmInstallExchange, input());

    expect(result.status).toBe('deployed');
    expect(h.helm.verbs()).toEqual(['uninstall', 'upgrade']);
    const [uninstall, upgrade] = h.helm.calls.map((c) => c.args);
    const kubeconfigPath = flagValue(uninstall!, '--kubeconfig')!;
    expect(uninstall).toEqual(['uninstall', 'orders', '--kubeconfig', kubeconfigPath, '--namespace', 'communication', '--ignore-not-found', '--timeout', '300s']);
    expect(flagValue(upgrade!, '--kubeconfig')).toBe(kubeconfigPath);
    expect(upgrade).toContain('--install');
    expect(h.logs.some((l) => l.level === 'WARN' && /recovering a release left pending/.test(l.message))).toBe(true);
  });

  it.each<[string, number, string[]]>([
    ['pending-install', 1, ['upgrade']], // a first attempt never clears a pending release
    ['pending-upgrade', 3, ['rollback', 'upgrade']],
    ['deployed', 2, ['upgrade']],
  ])('our release %s on attempt %d → helm %j', async (status, attempt, verbs) => {
    h.kube.records = [record(1, status, { labels: ours })];
    await h.runAt({ attempt }, h.acts.helmInstallExchange, input());
    expect(h.helm.verbs()).toEqual(verbs);
  });

  it.each([
    ['an exec user', kubeconfigWithUser({ exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } }), /users\[0\]\.user\.exec/],
    ['a loopback server the policy does not list', kubeconfigWithCluster({ server: 'https://127.0.0.1:6443' }), /127\.0\.0\.1 is a loopback address/],
  ])('a kubeconfig with %s is refused: InvalidKubeconfig, no helm, no cluster read', async (_name, kubeconfig, reason) => {
    h.kube.fail.releaseRecords = new Error('the cluster must not be read');
    const err = await failureOf(h.run(h.acts.helmInstallExchange, input({ release: { ...RELEASE, kubeconfig } })));
    expect(err.type).toBe(FailureType.invalidKubeconfig);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(reason);
    expect(h.helm.calls).toEqual([]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('a loopback server is accepted when the policy lists it', async () => {
    const local = await harness({ kubeconfigPolicy: { allowExec: false, allowFileReferences: false, serverAllowlist: ['127.0.0.1'] } });
    try {
      const kubeconfig = kubeconfigWithCluster({ server: 'https://127.0.0.1:6443' });
      const result = await local.run(local.acts.helmInstallExchange, input({ release: { ...RELEASE, kubeconfig } }));
      expect(result.publicUrl).toBe('https://127.0.0.1/nats/orders');
      expect(local.helm.verbs()).toEqual(['upgrade']);
    } finally {
      await local.dispose();
    }
  });

  it('helm values that contradict themselves are InvalidValues before anything runs', async () => {
    const err = await failureOf(h.run(h.acts.helmInstallExchange, input({ helmValues: { config: 1, 'config.jetstream.enabled': true } })));
    expect(err.type).toBe(FailureType.invalidValues);
    expect(err.nonRetryable).toBe(true);
    expect(h.helm.calls).toEqual([]);
  });

  it.each([
    [403, FailureType.helmUnauthorized, true],
    [503, FailureType.helmUnavailable, false],
  ])('reading the release records answering HTTP %d → %s (nonRetryable %s), no helm', async (status, type, nonRetryable) => {
    h.kube.fail.releaseRecords = new KubeApiError(`listing helm release records: HTTP ${status}`, status);
    const err = await failureOf(h.run(h.acts.helmInstallExchange, input()));
    expect(err.type).toBe(type);
    expect(err.nonRetryable).toBe(nonRetryable);
    expect(err.message).toMatch(/^reading release orders: /);
    expect(h.helm.calls).toEqual([]);
  });

  it('a failing helm surfaces its failure and still removes the kubeconfig', async () => {
    h.helm.answer = () => {
      throw helmFailure('resource StatefulSet/communication/orders-nats not ready. status: InProgress');
    };
    const err = await failureOf(h.run(h.acts.helmInstallExchange, input()));
    expect(err.type).toBe(FailureType.helmNotReady);
    expect(existsSync(flagValue(h.helm.calls[0]!.args, '--kubeconfig')!)).toBe(false);
    expect(await h.leftovers()).toEqual([]);
  });

  it('waits for readiness with --wait when the settings ask for it (no rollback on an install)', async () => {
    const waiting = await harness({
      helm: helmSettings({ source: { chart: 'nats', repoUrl: 'https://nats-io.github.io/k8s/helm/charts/', version: '^2' }, timeoutSeconds: 60, wait: 'watcher' }),
    });
    try {
      await waiting.run(waiting.acts.helmInstallExchange, input());
      const args = waiting.helm.calls[0]!.args;
      expect(args).toEqual(expect.arrayContaining(['--repo', 'https://nats-io.github.io/k8s/helm/charts/', '--version', '^2', '--wait=watcher', '--timeout', '60s']));
      expect(args).not.toContain('--rollback-on-failure');
    } finally {
      await waiting.dispose();
    }
  });
});

describe('helmUpgradeInstall and derivePublicUrl', () => {
  it('helmUpgradeInstall installs without the ownership check or a label', async () => {
    h.kube.records = [record(1, 'deployed')];
    h.helm.answer = () => helmJson(2);
    const result = await h.run(h.acts.helmUpgradeInstall, { release: RELEASE, helmValues: {} });
    expect(result).toEqual({ revision: 2, status: 'deployed' });
    expect(h.helm.calls[0]!.args).toContain('--install');
    expect(h.helm.calls[0]!.args).not.toContain('--labels');
    expect(h.helm.calls[0]!.overrides).toEqual({});
  });

  it('derivePublicUrl follows the configured template', async () => {
    const templated = await harness({ publicUrlTemplate: 'nats://{cluster_id}.{hostname}:4222/{namespace}/{release}' });
    try {
      const url = await templated.run(templated.acts.derivePublicUrl, { ...RELEASE, clusterId: 'c-eu-1' });
      expect(url).toBe('nats://c-eu-1.api.example.com:4222/communication/orders');
    } finally {
      await templated.dispose();
    }
  });

  it('a kubeconfig without a server is InvalidKubeconfig for the public_url', async () => {
    const err = await failureOf(h.run(h.acts.derivePublicUrl, { ...RELEASE, kubeconfig: { clusters: [] }, clusterId: 'c' }));
    expect(err.type).toBe(FailureType.invalidKubeconfig);
    expect(err.message).toMatch(/no cluster server/);
  });
});

describe('each helm run is isolated', () => {
  it('gets its own HOME, KUBECACHEDIR and HELM_CACHE_HOME inside its private temp dir, and the egress proxy', async () => {
    let kubeconfigDir = '';
    h.helm.answer = (args) => {
      kubeconfigDir = dirname(flagValue(args, '--kubeconfig')!);
      return helmJson(1);
    };
    await h.run(h.acts.helmInstallExchange, input());
    const first = h.helm.calls[0]!.env!;
    expect(first.HOME).toBe(kubeconfigDir);
    expect(first.KUBECACHEDIR).toBe(join(kubeconfigDir, 'kube-cache'));
    expect(first.HELM_CACHE_HOME).toBe(join(kubeconfigDir, 'helm-cache'));
    expect(first.HTTPS_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.NO_PROXY).toBe('');
    // a second run: another private dir, gone like the first
    await h.run(h.acts.helmInstallExchange, input());
    const second = h.helm.calls.at(-1)!.env!;
    expect(second.HOME).not.toBe(first.HOME);
    expect(existsSync(first.HOME!)).toBe(false);
    expect(existsSync(second.HOME!)).toBe(false);
  });
});
