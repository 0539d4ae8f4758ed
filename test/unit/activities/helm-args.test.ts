import { previewArgs, rollbackArgs, uninstallArgs, upgradeArgs, type UpgradeOptions } from '../../../activities/helm-args.js';

const target = { kubeconfigPath: '/tmp/ned-kube-abc/kubeconfig.yaml', releaseName: 'nats-exchange-1', namespace: 'communication' };

const upgrade = (over: Partial<UpgradeOptions> = {}): UpgradeOptions => ({
  ...target,
  source: { chart: 'nats', repoUrl: 'https://nats-io.github.io/k8s/helm/charts/', version: '1.2.6' },
  valuesFiles: ['/srv/values.yaml', '/tmp/ned-values-x/overrides.yaml'],
  install: true,
  timeoutSeconds: 300,
  historyMax: 10,
  ...over,
});

/** The value following `flag` in argv, or undefined. */
const valueOf = (args: string[], flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const valuesOf = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe('upgradeArgs', () => {
  it('an install is `upgrade --install` with every option, in a stable order', () => {
    expect(upgradeArgs(upgrade({ wait: 'watcher' }))).toEqual([
      'upgrade',
      'nats-exchange-1',
      'nats',
      '--install',
      '--create-namespace',
      '--kubeconfig',
      '/tmp/ned-kube-abc/kubeconfig.yaml',
      '--namespace',
      'communication',
      '--repo',
      'https://nats-io.github.io/k8s/helm/charts/',
      '--version',
      '1.2.6',
      '--values',
      '/srv/values.yaml',
      '--values',
      '/tmp/ned-values-x/overrides.yaml',
      '--reset-values',
      '--timeout',
      '300s',
      '--history-max',
      '10',
      '--wait=watcher',
      '--output',
      'json',
    ]);
  });

  it.each<[string, Partial<UpgradeOptions>, (args: string[]) => void]>([
    ['an install creates the release and its namespace', {}, (a) => expect(a).toEqual(expect.arrayContaining(['--install', '--create-namespace']))],
    ['an update never creates a release', { install: false }, (a) => expect(a.filter((x) => x === '--install' || x === '--create-namespace')).toEqual([])],
    ['the repo URL is passed when set', {}, (a) => expect(valueOf(a, '--repo')).toBe('https://nats-io.github.io/k8s/helm/charts/')],
    ['no --repo without a repo URL', { source: { chart: './charts/nats' } }, (a) => expect(a).not.toContain('--repo')],
    ['the version is passed when set', {}, (a) => expect(valueOf(a, '--version')).toBe('1.2.6')],
    ['no --version without a version', { source: { chart: 'nats', repoUrl: 'https://x' } }, (a) => expect(a).not.toContain('--version')],
    ['values files keep their precedence order', {}, (a) => expect(valuesOf(a, '--values')).toEqual(['/srv/values.yaml', '/tmp/ned-values-x/overrides.yaml'])],
    ['no values files means no --values', { valuesFiles: [] }, (a) => expect(a).not.toContain('--values')],
    ['previous release values are always reset', { install: false }, (a) => expect(a).toContain('--reset-values')],
    ['previous values are never reused', {}, (a) => expect(a).not.toContain('--reuse-values')],
    ['the timeout is in seconds', { timeoutSeconds: 300 }, (a) => expect(valueOf(a, '--timeout')).toBe('300s')],
    ['the history limit is passed', { historyMax: 5 }, (a) => expect(valueOf(a, '--history-max')).toBe('5')],
    ['--wait=watcher only when waiting with the watcher', { wait: 'watcher' }, (a) => expect(a.filter((x) => x.startsWith('--wait'))).toEqual(['--wait=watcher'])],
    ['--wait=legacy when asked', { wait: 'legacy' }, (a) => expect(a.filter((x) => x.startsWith('--wait'))).toEqual(['--wait=legacy'])],
    ['no --wait when not waiting', { wait: undefined }, (a) => expect(a.some((x) => x.startsWith('--wait'))).toBe(false)],
    ['output is JSON', {}, (a) => expect(valueOf(a, '--output')).toBe('json')],
    ['the kubeconfig and namespace are passed', {}, (a) => [expect(valueOf(a, '--kubeconfig')).toBe(target.kubeconfigPath), expect(valueOf(a, '--namespace')).toBe('communication')]],
    ['an oci chart reference is passed as is', { source: { chart: 'oci://registry.example.com/charts/nats' } }, (a) => expect(a[2]).toBe('oci://registry.example.com/charts/nats')],
    ['no --set is ever used', {}, (a) => expect(a.some((x) => x.startsWith('--set'))).toBe(false)],
  ])('%s', (_name, over, check) => {
    check(upgradeArgs(upgrade(over)));
  });

  it.each<[string, string]>([
    ['a release name with spaces and quotes', `x'; rm -rf / #"`],
    ['a release name with a command substitution', '$(touch /tmp/pwned)'],
  ])('%s stays a single argv entry without shell quoting', (_name, releaseName) => {
    const args = upgradeArgs(upgrade({ releaseName }));
    expect(args[1]).toBe(releaseName);
    expect(args.filter((a) => a === releaseName)).toHaveLength(1);
  });

  it('labels the release record with every label, in one --labels argument; none without labels', () => {
    const args = upgradeArgs(upgrade({ labels: { 'exchange-id': '6f1c0d4e-1b2a-5c3d-8e4f-0a1b2c3d4e5f', team: 'a' } }));
    expect(valuesOf(args, '--labels')).toEqual(['exchange-id=6f1c0d4e-1b2a-5c3d-8e4f-0a1b2c3d4e5f,team=a']);
    expect(upgradeArgs(upgrade())).not.toContain('--labels');
  });

  it('a values path with spaces stays a single argv entry', () => {
    const args = upgradeArgs(upgrade({ valuesFiles: ['/tmp/dir with space/values.yaml'] }));
    expect(valueOf(args, '--values')).toBe('/tmp/dir with space/values.yaml');
  });
});

describe('uninstallArgs', () => {
  it('uninstalls with --ignore-not-found and a timeout', () => {
    expect(uninstallArgs({ ...target, timeoutSeconds: 120 })).toEqual([
      'uninstall',
      'nats-exchange-1',
      '--kubeconfig',
      '/tmp/ned-kube-abc/kubeconfig.yaml',
      '--namespace',
      'communication',
      '--ignore-not-found',
      '--timeout',
      '120s',
    ]);
  });

  it.each<[string, boolean | undefined, boolean]>([
    ['waits when asked', true, true],
    ['does not wait when wait is false', false, false],
    ['does not wait by default', undefined, false],
  ])('%s', (_name, wait, expected) => {
    expect(uninstallArgs({ ...target, timeoutSeconds: 60, wait }).includes('--wait')).toBe(expected);
  });
});

describe('rollbackArgs', () => {
  it('without a revision goes back to the previous one (the recovery of an interrupted upgrade), as before', () => {
    expect(rollbackArgs({ ...target, timeoutSeconds: 300 })).toEqual(['rollback', 'nats-exchange-1', '--kubeconfig', target.kubeconfigPath, '--namespace', 'communication', '--timeout', '300s']);
  });

  it('with a revision names it right after the release, waits like an upgrade and keeps the history limit', () => {
    const args = rollbackArgs({ ...target, timeoutSeconds: 120, revision: 3, wait: 'watcher', historyMax: 10 });
    expect(args.slice(0, 3)).toEqual(['rollback', 'nats-exchange-1', '3']);
    expect(valueOf(args, '--timeout')).toBe('120s');
    expect(args).toContain('--wait=watcher');
    expect(valueOf(args, '--history-max')).toBe('10');
  });
});

describe('previewArgs', () => {
  it.each([true, false])('is the upgrade (install %s) with --dry-run=server, never waiting or rolling back', (install) => {
    const args = previewArgs(upgrade({ install }));
    expect(args.at(-1)).toBe('--dry-run=server');
    expect(args.slice(0, -1)).toEqual(upgradeArgs(upgrade({ install, wait: undefined, rollbackOnFailure: false })));
    expect(args.some((a) => a.startsWith('--wait'))).toBe(false);
    expect(args).not.toContain('--rollback-on-failure');
    expect(valueOf(args, '--output')).toBe('json');
  });
});
