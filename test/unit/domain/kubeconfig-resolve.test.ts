// resolveKubeconfig: what it accepts and the minimal kubeconfig it keeps, context selection, the cluster server.
import yaml from 'js-yaml';
import { KubeconfigError, resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { FAKE_CA_DATA, FAKE_TOKEN, kubeconfigWithCluster, kubeconfigWithUser, multiContextKubeconfig, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';
import { issuesOf, paths } from './kubeconfig-issues.js';

const expectedMinimal = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'prod', cluster: { server: 'https://api.example.com:6443', 'certificate-authority-data': FAKE_CA_DATA } }],
  users: [{ name: 'deployer', user: { token: FAKE_TOKEN } }],
  contexts: [{ name: 'prod-ctx', context: { cluster: 'prod', user: 'deployer', namespace: 'communication' } }],
  'current-context': 'prod-ctx',
};

describe('resolveKubeconfig: accepted kubeconfigs', () => {
  it.each<[string, unknown]>([
    ['a token kubeconfig object', tokenKubeconfig()],
    ['the same kubeconfig as a YAML string', yaml.dump(tokenKubeconfig())],
    ['the same kubeconfig as a JSON string', JSON.stringify(tokenKubeconfig())],
  ])('%s resolves to a minimal kubeconfig', (_name, raw) => {
    const resolved = resolveKubeconfig(raw);
    expect(resolved.minimal).toEqual(expectedMinimal);
    expect(resolved.contextName).toBe('prod-ctx');
    expect(resolved.clusterName).toBe('prod');
    expect(resolved.server).toBe('https://api.example.com:6443');
  });

  it('a top-level key other than the chosen context is dropped (preferences, extensions)', () => {
    const resolved = resolveKubeconfig(tokenKubeconfig({ extensions: [{ name: 'x', extension: {} }] }));
    expect(Object.keys(resolved.minimal).sort()).toEqual(['apiVersion', 'clusters', 'contexts', 'current-context', 'kind', 'users']);
  });

  it('only the current context’s cluster and user are kept when there are several', () => {
    const resolved = resolveKubeconfig(multiContextKubeconfig());
    expect(resolved.minimal).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'edge', cluster: { server: 'https://edge.example.com' } }],
      users: [{ name: 'edge-user', user: { token: 'edge-token' } }],
      contexts: [{ name: 'edge-ctx', context: { cluster: 'edge', user: 'edge-user' } }],
      'current-context': 'edge-ctx',
    });
    expect(JSON.stringify(resolved.minimal)).not.toContain('dev-token');
  });

  it('a single context is used when current-context is missing, and becomes current', () => {
    const kc = tokenKubeconfig();
    delete kc['current-context'];
    const resolved = resolveKubeconfig(kc);
    expect(resolved.contextName).toBe('prod-ctx');
    expect(resolved.minimal['current-context']).toBe('prod-ctx');
  });

  it('an empty current-context with a single context uses that context', () => {
    expect(resolveKubeconfig(tokenKubeconfig({ 'current-context': '' })).contextName).toBe('prod-ctx');
  });

  it.each<[string, Kc]>([
    ['client certificate and key data', { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' }],
    ['username and password', { username: 'admin', password: 'secret' }],
    ['a token', { token: 'abc' }],
  ])('a user with %s is accepted', (_name, user) => {
    expect(resolveKubeconfig(kubeconfigWithUser(user)).minimal.users).toEqual([{ name: 'deployer', user }]);
  });

  it.each<[string, string]>([
    // a public address: private ones are refused unless allow-listed (see server-policy.test.ts)
    ['an http server', 'http://203.0.113.10:8080'],
    ['an IPv6 server', 'https://[2001:db8::1]:6443'],
    ['a server without a port', 'https://k8s.example.com'],
  ])('%s is accepted', (_name, server) => {
    expect(resolveKubeconfig(kubeconfigWithCluster({ server })).server).toBe(server);
  });
});

describe('resolveKubeconfig: context selection errors', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['missing current-context with two contexts', multiContextKubeconfig({ 'current-context': undefined }), 'current-context', /must be set when there are several contexts/],
    ['current-context naming a missing context', tokenKubeconfig({ 'current-context': 'nope' }), 'current-context', /names context 'nope'/],
    ['no contexts at all', tokenKubeconfig({ contexts: [], 'current-context': undefined }), 'current-context', /no contexts defined/],
    ['contexts not a list', tokenKubeconfig({ contexts: { name: 'x' } }), 'contexts', /must be a list/],
    ['a context entry without a name', tokenKubeconfig({ contexts: [{ context: { cluster: 'prod', user: 'deployer' } }] }), 'contexts[0]', /must have a name and a context object/],
    ['a user entry without a user object', tokenKubeconfig({ users: [{ name: 'deployer' }] }), 'users[0]', /must have a name and a user object/],
    ['a cluster entry that is a string', tokenKubeconfig({ clusters: ['prod'] }), 'clusters[0]', /must have a name and a cluster object/],
    [
      'a context naming a missing cluster',
      tokenKubeconfig({ contexts: [{ name: 'prod-ctx', context: { cluster: 'other', user: 'deployer' } }] }),
      'contexts[0].context.cluster',
      /names cluster 'other', which is not in clusters/,
    ],
    [
      'a context naming a missing user',
      tokenKubeconfig({ contexts: [{ name: 'prod-ctx', context: { cluster: 'prod', user: 'ghost' } }] }),
      'contexts[0].context.user',
      /names user 'ghost', which is not in users/,
    ],
    ['a context without a cluster', tokenKubeconfig({ contexts: [{ name: 'prod-ctx', context: { user: 'deployer' } }] }), 'contexts[0].context.cluster', /is required/],
    ['a context without a user', tokenKubeconfig({ contexts: [{ name: 'prod-ctx', context: { cluster: 'prod' } }] }), 'contexts[0].context.user', /is required/],
    ['a string that is not YAML', 'key: [unclosed', '', /not valid YAML or JSON/],
    ['a YAML string that is a list', '- a\n- b\n', '', /must be a kubeconfig object/],
    ['a number', 42, '', /must be an object/],
    ['an array', [tokenKubeconfig()], '', /must be an object/],
    ['null', null, '', /must be an object/],
  ])('%s is refused', (_name, raw, path, reason) => {
    const issues = issuesOf(raw);
    const issue = issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue?.reason).toMatch(reason);
  });

  it('the context index in the issue path is the context’s position in the list', () => {
    const kc = multiContextKubeconfig({
      contexts: [
        { name: 'dev-ctx', context: { cluster: 'dev', user: 'dev-user' } },
        { name: 'edge-ctx', context: { cluster: 'gone', user: 'edge-user' } },
      ],
    });
    expect(paths(issuesOf(kc))).toEqual(['contexts[1].context.cluster']);
  });

  it('an invalid YAML string is reported without quoting the input (it may hold a token)', () => {
    const err = (() => {
      try {
        resolveKubeconfig(`users:\n- name: u\n  user: {token: ${FAKE_TOKEN}\n`);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(KubeconfigError);
    expect(err?.message).not.toContain(FAKE_TOKEN);
  });
});

describe('resolveKubeconfig: cluster server', () => {
  it.each<[string, Kc, RegExp]>([
    ['a missing server', { 'certificate-authority-data': FAKE_CA_DATA }, /is required/],
    ['an empty server', { server: '' }, /is required/],
    ['a non-string server', { server: 6443 }, /is required/],
    ['a file:// server', { server: 'file:///x' }, /must be an http\(s\) URL/],
    ['an ftp:// server', { server: 'ftp://api.example.com/' }, /must be an http\(s\) URL/],
    ['a unix socket server', { server: 'unix:///var/run/k8s.sock' }, /must be an http\(s\) URL/],
    ['a server that is not a URL', { server: 'not a url' }, /must be an http\(s\) URL/],
  ])('%s is refused at clusters[0].cluster.server', (_name, cluster, reason) => {
    const issues = issuesOf(kubeconfigWithCluster(cluster));
    expect(paths(issues)).toEqual(['clusters[0].cluster.server']);
    expect(issues[0]?.reason).toMatch(reason);
  });
});
