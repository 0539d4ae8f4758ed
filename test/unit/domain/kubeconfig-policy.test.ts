// resolveKubeconfig under the kubeconfig policy: credential plugins, file references, the server allow-list.
import { hostAllowed, resolveKubeconfig, type KubeconfigPolicy } from '../../../src/domain/kubeconfig.js';
import { kubeconfigWithUser, multiContextKubeconfig, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';
import { issuesOf, paths } from './kubeconfig-issues.js';

const ALLOW_EXEC: KubeconfigPolicy = { allowExec: true, allowFileReferences: false };
const ALLOW_FILES: KubeconfigPolicy = { allowExec: false, allowFileReferences: true };

describe('resolveKubeconfig: credential policy', () => {
  const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', args: ['eks', 'get-token'] };
  const authProvider = { name: 'oidc', config: { 'id-token': 'x' } };

  it.each<[string, Kc, string]>([
    ['an exec user', { exec }, 'users[0].user.exec'],
    ['an auth-provider user', { 'auth-provider': authProvider }, 'users[0].user.auth-provider'],
    ['an exec user that also has a token', { token: 'abc', exec }, 'users[0].user.exec'],
  ])('%s is refused by the default policy', (_name, user, path) => {
    const issues = issuesOf(kubeconfigWithUser(user));
    expect(paths(issues)).toEqual([path]);
    expect(issues[0]?.reason).toMatch(/credential plugins are not allowed/);
  });

  it.each<[string, Kc]>([
    ['an exec user', { exec }],
    ['an auth-provider user', { 'auth-provider': authProvider }],
  ])('%s is accepted when the policy allows exec', (_name, user) => {
    expect(resolveKubeconfig(kubeconfigWithUser(user), ALLOW_EXEC).minimal.users).toEqual([{ name: 'deployer', user }]);
  });

  it.each<[string, Kc, Kc, string]>([
    ['a tokenFile', { tokenFile: '/var/run/secrets/token' }, {}, 'users[0].user.tokenFile'],
    ['a client-certificate file', { 'client-certificate': '/etc/cert.pem', 'client-key-data': 'a2V5' }, {}, 'users[0].user.client-certificate'],
    ['a client-key file', { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5', 'client-key': '/etc/key.pem' }, {}, 'users[0].user.client-key'],
    ['a certificate-authority file', { token: 'abc' }, { 'certificate-authority': '/etc/ca.pem' }, 'clusters[0].cluster.certificate-authority'],
  ])('%s is refused by the default policy', (_name, user, clusterExtra, path) => {
    const kc = tokenKubeconfig({
      users: [{ name: 'deployer', user }],
      clusters: [{ name: 'prod', cluster: { server: 'https://api.example.com', ...clusterExtra } }],
    });
    const issues = issuesOf(kc);
    expect(paths(issues)).toContain(path);
    expect(issues.find((i) => i.path === path)?.reason).toMatch(/file references are not allowed/);
    expect(() => resolveKubeconfig(kc, ALLOW_FILES)).not.toThrow();
  });

  it('file references are accepted when the policy allows them', () => {
    const kc = tokenKubeconfig({
      users: [{ name: 'deployer', user: { 'client-certificate': '/c.pem', 'client-key': '/k.pem' } }],
      clusters: [{ name: 'prod', cluster: { server: 'https://api.example.com', 'certificate-authority': '/ca.pem' } }],
    });
    expect(resolveKubeconfig(kc, ALLOW_FILES).clusterName).toBe('prod');
  });

  it('client-certificate-data without client-key-data is refused', () => {
    const issues = issuesOf(kubeconfigWithUser({ 'client-certificate-data': 'Y2VydA==' }));
    expect(issues).toEqual([{ path: 'users[0].user.client-key-data', reason: 'is required with client-certificate-data' }]);
  });

  it.each<[string, Kc]>([
    ['an empty user', {}],
    ['a user with only unrelated keys', { 'as-user-extra': {} }],
    ['a user with only client-key-data', { 'client-key-data': 'a2V5' }],
  ])('%s has no credentials', (_name, user) => {
    const issues = issuesOf(kubeconfigWithUser(user));
    expect(paths(issues)).toEqual(['users[0].user']);
    expect(issues[0]?.reason).toMatch(/has no credentials/);
  });

  it('every policy issue is reported at once, with paths into the original kubeconfig', () => {
    const kc = multiContextKubeconfig({
      clusters: [
        { name: 'dev', cluster: { server: 'https://dev.example.com' } },
        { name: 'edge', cluster: { server: 'ftp://edge.example.com', 'certificate-authority': '/ca.pem' } },
      ],
      users: [
        { name: 'dev-user', user: { token: 'x' } },
        { name: 'edge-user', user: { exec, tokenFile: '/t' } },
      ],
    });
    expect(paths(issuesOf(kc)).sort()).toEqual(
      ['clusters[1].cluster.server', 'clusters[1].cluster.certificate-authority', 'users[1].user.tokenFile', 'users[1].user.exec'].sort(),
    );
  });

  it('the error message names each issue path', () => {
    expect(() => resolveKubeconfig(kubeconfigWithUser({ exec }))).toThrow(/invalid kubeconfig: users\[0\]\.user\.exec: /);
  });
});

describe('server allow-list (KUBE_SERVER_ALLOWLIST)', () => {
  it.each<[string, string[], boolean]>([
    ['api.example.com', ['api.example.com'], true],
    ['API.example.com', ['api.example.com'], true],
    ['evil-api.example.com', ['api.example.com'], false],
    ['a.clusters.example.com', ['*.clusters.example.com'], true],
    ['clusters.example.com', ['*.clusters.example.com'], false],
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['11.1.2.3', ['10.0.0.0/8'], false],
    ['127.0.0.1', ['127.0.0.1'], true],
    ['[2001:db8::1]', ['2001:db8::/32'], true],
    ['[2001:db9::1]', ['2001:db8::/32'], false],
    ['10.1.2.3', ['api.example.com'], false],
  ])('%s against %j → %s', (host, list, expected) => {
    expect(hostAllowed(host, list)).toBe(expected);
  });

  it('refuses a kubeconfig whose server is outside the list, naming the field', () => {
    const kc = tokenKubeconfig();
    expect(() => resolveKubeconfig(kc, { allowExec: false, allowFileReferences: false, serverAllowlist: ['10.0.0.0/8'] })).toThrow(/server: names a host outside the allowed list/);
  });
});
