// Shared by the tenancy-*.test.ts files, which test the trust boundaries of the API: roles decide which routes a
// principal may call, orgs which exchanges it sees and changes (another org's exchange answers exactly like a
// missing one), and a PUT or DELETE acts only on a registered exchange of the cluster it was deployed to.
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_KUBECONFIG_POLICY, resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { TokenVerifier } from '../../../src/api/auth.js';
import { clusterFingerprint } from '../../../src/api/cluster-fingerprint.js';
import { createLogger } from '../../../src/logger.js';
import { EncryptionCodec } from '../../../src/temporal/encryption-codec.js';
import { FAKE_CA_DATA, FAKE_TOKEN, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';
import { bearer, FakeDirectory, principal, RecordingOperations } from './support.js';

export const PRINCIPALS = [
  principal('deployer-a', ['deployer'], ['org-a']),
  principal('deployer-b', ['deployer'], ['org-b']),
  principal('viewer-a', ['viewer'], ['org-a']),
  principal('writer', ['registry-writer']),
  principal('codec', ['codec-viewer']),
];
export const ADMIN = bearer('admin'); // API_TOKENS entry: admin of every org

export const ID_A = randomUUID();
export const ID_B = randomUUID();
export const ID_OLD = randomUUID(); // registered before fingerprints existed

/** The fixture kubeconfig with its one cluster's fields replaced. */
export function kubeconfigFor(cluster: Kc, user: Kc = { token: FAKE_TOKEN }): Kc {
  return tokenKubeconfig({ clusters: [{ name: 'prod', cluster }], users: [{ name: 'deployer', user }] });
}
export const PROD = { server: 'https://api.example.com:6443', 'certificate-authority-data': FAKE_CA_DATA };
export const fingerprintOf = (kc: Kc) => clusterFingerprint(resolveKubeconfig(kc).minimal);

export function setup(opts: { principals?: boolean } = {}) {
  const ops = new RecordingOperations();
  const directory = new FakeDirectory();
  directory.add({ system_id: ID_A, release_name: 'nats-a', namespace: 'communication', org_ids: ['org-a'], cluster_fingerprint: fingerprintOf(tokenKubeconfig()) });
  directory.add({ system_id: ID_B, release_name: 'nats-b', namespace: 'communication', org_ids: ['org-b', 'org-z'], cluster_fingerprint: fingerprintOf(tokenKubeconfig()) });
  directory.add({ system_id: ID_OLD, release_name: 'nats-old', namespace: 'communication', org_ids: ['org-a'] });
  const app = createApp({
    operations: ops,
    directory,
    kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
    temporalUiUrl: 'http://temporal-ui.local:8233',
    temporalNamespace: 'default',
    logger: createLogger('silent', 'test'),
    auth: opts.principals === false ? new TokenVerifier({}) : new TokenVerifier({ tokens: ['admin-token'], principals: PRINCIPALS }),
    codec: { codec: new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }]), corsOrigins: [] },
  });
  return { app, ops, directory };
}

export const postBody = (over: Record<string, unknown> = {}) => ({
  kubeconfig: tokenKubeconfig(),
  helm_values: {},
  release_name: 'nats-new',
  org_ids: 'org-a',
  cluster_id: 'cluster-1',
  name: 'New',
  ...over,
});
export const putBody = (release: string, kubeconfig: Kc = tokenKubeconfig()) => ({ kubeconfig, release_name: release, helm_values: { 'config.cluster.replicas': 3 } });
export const deleteBody = (release: string, kubeconfig: Kc = tokenKubeconfig()) => ({ kubeconfig, release_name: release });
