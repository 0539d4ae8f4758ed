// What resolveKubeconfig refuses, as its issue list: shared by the kubeconfig-*.test.ts files.
import { DEFAULT_KUBECONFIG_POLICY, KubeconfigError, resolveKubeconfig, type KubeconfigIssue, type KubeconfigPolicy } from '../../../src/domain/kubeconfig.js';

export function issuesOf(raw: unknown, policy: KubeconfigPolicy = DEFAULT_KUBECONFIG_POLICY): KubeconfigIssue[] {
  try {
    resolveKubeconfig(raw, policy);
  } catch (err) {
    if (err instanceof KubeconfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a KubeconfigError');
}

export const paths = (issues: KubeconfigIssue[]) => issues.map((i) => i.path);
