import { clusterServer, derivePublicUrl, PublicUrlError, type PublicUrlInput } from '../../../src/domain/public-url.js';
import { kubeconfigWithCluster, multiContextKubeconfig, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';

const input = (kubeconfig: Kc, extra: Partial<PublicUrlInput> = {}): PublicUrlInput => ({
  kubeconfig,
  releaseName: 'r',
  namespace: 'communication',
  clusterId: 'cluster-1',
  ...extra,
});
const withServer = (server: unknown) => kubeconfigWithCluster({ server });

describe('derivePublicUrl with the default template', () => {
  it.each<[string, string, string]>([
    ['a DNS name with a port drops the port', 'https://api.example.com:6443', 'https://api.example.com/nats/r'],
    ['a DNS name without a port', 'https://api.example.com', 'https://api.example.com/nats/r'],
    ['a DNS name with a path drops the path', 'https://rancher.example.com/k8s/clusters/c-abc', 'https://rancher.example.com/nats/r'],
    ['an http server still yields https', 'http://api.example.com:8080', 'https://api.example.com/nats/r'],
    ['an IPv4 server', 'https://10.1.2.3:6443', 'https://10.1.2.3/nats/r'],
    ['an IPv6 server keeps its brackets and drops the port', 'https://[2001:db8::1]:6443', 'https://[2001:db8::1]/nats/r'],
    ['an upper-case host is lower-cased', 'https://API.Example.COM:6443', 'https://api.example.com/nats/r'],
    ['a bare host:port gets a scheme', 'api.example.com:6443', 'https://api.example.com/nats/r'],
    ['a bare IPv4 host:port gets a scheme', '10.1.2.3:6443', 'https://10.1.2.3/nats/r'],
  ])('%s', (_name, server, expected) => {
    expect(derivePublicUrl(input(withServer(server)))).toBe(expected);
  });

  it('the release name is the last path segment', () => {
    expect(derivePublicUrl(input(tokenKubeconfig(), { releaseName: 'nats-exchange-1' }))).toBe('https://api.example.com/nats/nats-exchange-1');
  });

  it('the current context’s cluster is preferred over clusters[0]', () => {
    expect(derivePublicUrl(input(multiContextKubeconfig()))).toBe('https://edge.example.com/nats/r');
  });

  it.each<[string, Kc]>([
    ['no current-context', multiContextKubeconfig({ 'current-context': undefined })],
    ['a current-context naming a missing context', multiContextKubeconfig({ 'current-context': 'gone' })],
    [
      'a current context naming a missing cluster',
      multiContextKubeconfig({ contexts: [{ name: 'edge-ctx', context: { cluster: 'gone', user: 'edge-user' } }] }),
    ],
  ])('falls back to clusters[0] with %s', (_name, kc) => {
    expect(derivePublicUrl(input(kc))).toBe('https://dev.example.com/nats/r');
  });
});

describe('derivePublicUrl with a custom template', () => {
  it.each<[string, string, string, string]>([
    ['{hostname} of a DNS name', 'https://api.example.com:6443', 'nats://{hostname}:4222', 'nats://api.example.com:4222'],
    ['{hostname} of IPv6 has no brackets', 'https://[2001:db8::1]:6443', '{hostname}', '2001:db8::1'],
    ['{host} of IPv6 has brackets', 'https://[2001:db8::1]:6443', '{host}', '[2001:db8::1]'],
    ['{port} is the server port', 'https://api.example.com:6443', '{port}', '6443'],
    ['{port} is empty without a port', 'https://api.example.com', 'x{port}x', 'xx'],
    ['{port} is empty for the scheme’s default port', 'https://api.example.com:443', 'x{port}x', 'xx'],
    ['{hostport} keeps the port', 'https://api.example.com:6443', 'https://{hostport}/nats/{release}', 'https://api.example.com:6443/nats/r'],
    ['{hostport} of IPv6 keeps brackets and port', 'https://[2001:db8::1]:6443', 'https://{hostport}/', 'https://[2001:db8::1]:6443/'],
    ['{hostport} without a port is the host', 'https://api.example.com', '{hostport}', 'api.example.com'],
    ['{namespace} and {cluster_id}', 'https://api.example.com', 'https://{cluster_id}.ingress.example.com/{namespace}/{release}', 'https://cluster-1.ingress.example.com/communication/r'],
    ['an unknown placeholder is left as is', 'https://api.example.com', 'https://{host}/{unknown}', 'https://api.example.com/{unknown}'],
    ['a placeholder used twice is replaced twice', 'https://api.example.com', '{release}-{release}', 'r-r'],
  ])('%s', (_name, server, template, expected) => {
    expect(derivePublicUrl(input(withServer(server), { template }))).toBe(expected);
  });

  it('placeholder values are URL-encoded', () => {
    const url = derivePublicUrl(input(tokenKubeconfig(), { template: '{cluster_id}/{namespace}/{release}', clusterId: 'a b/c', namespace: 'n?x', releaseName: 'r#1' }));
    expect(url).toBe('a%20b%2Fc/n%3Fx/r%231');
  });
});

describe('derivePublicUrl failures', () => {
  it.each<[string, Kc, RegExp]>([
    ['a missing server', kubeconfigWithCluster({}), /no cluster server/],
    ['an empty server', withServer(''), /no cluster server/],
    ['a non-string server', withServer(6443), /no cluster server/],
    ['no clusters at all', tokenKubeconfig({ clusters: [] }), /no cluster server/],
    ['clusters that are not a list', tokenKubeconfig({ clusters: 'prod' }), /no cluster server/],
    ['a server that is not a URL', withServer('https://exa mple.com'), /not a valid URL/],
  ])('%s → PublicUrlError', (_name, kc, message) => {
    expect(() => derivePublicUrl(input(kc))).toThrow(PublicUrlError);
    expect(() => derivePublicUrl(input(kc))).toThrow(message);
  });
});

describe('clusterServer', () => {
  it('returns the current context’s cluster server', () => {
    expect(clusterServer(multiContextKubeconfig())).toBe('https://edge.example.com');
  });
});
