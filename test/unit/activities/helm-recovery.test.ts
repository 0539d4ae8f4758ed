import { recoveryFor } from '../../../activities/helm-recovery.js';
import { rollbackArgs } from '../../../activities/helm-args.js';

describe('recovering a release an interrupted helm run left pending', () => {
  it.each<[string | undefined, number, string]>([
    ['pending-install', 1, 'none'], // a first attempt never touches a pending release: someone else may own it
    ['pending-install', 2, 'uninstall'],
    ['pending-upgrade', 3, 'rollback'],
    ['pending-rollback', 2, 'rollback'],
    ['deployed', 2, 'none'],
    ['failed', 2, 'none'],
    [undefined, 2, 'none'],
  ])('status %s on attempt %d → %s', (status, attempt, expected) => {
    expect(recoveryFor(status, attempt)).toBe(expected);
  });

  it('rolls back with the target kubeconfig and namespace, as one argv entry each', () => {
    expect(rollbackArgs({ kubeconfigPath: '/tmp/k', releaseName: 'r 1', namespace: 'ns', timeoutSeconds: 30 })).toEqual([
      'rollback',
      'r 1',
      '--kubeconfig',
      '/tmp/k',
      '--namespace',
      'ns',
      '--timeout',
      '30s',
    ]);
  });
});
