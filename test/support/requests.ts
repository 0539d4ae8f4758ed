// Request bodies the e2e tests send, in the seed's shape, against the test cluster.
import { testKubeconfig } from './cluster.js';

/** A POST /exchange body for the test cluster. */
export function exchangeBody(release: string, namespace: string, helmValues: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    kubeconfig: testKubeconfig(),
    helm_values: helmValues,
    release_name: release,
    org_ids: 'org001',
    cluster_id: 'local-test-cluster',
    name: `exchange ${release}`,
    namespace,
    ...extra,
  };
}

/** A PUT or DELETE body naming the same release. */
export function targetBody(release: string, namespace: string, extra: Record<string, unknown> = {}) {
  return { kubeconfig: testKubeconfig(), release_name: release, namespace, ...extra };
}
