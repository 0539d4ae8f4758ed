import { AllowlistError, hostAllowed, internalHostReason, urlProblem, validateAllowlist } from '../../../src/domain/server-policy.js';
import { KubeconfigError, resolveKubeconfig, type KubeconfigPolicy } from '../../../src/domain/kubeconfig.js';
import { loadConfig } from '../../../src/config.js';
import { kubeconfigWithCluster } from '../fixtures/kubeconfig.js';

const policy = (serverAllowlist: string[]): KubeconfigPolicy => ({ allowExec: false, allowFileReferences: false, serverAllowlist });

function serverIssue(cluster: Record<string, unknown>, p: KubeconfigPolicy = policy([])): string | undefined {
  try {
    resolveKubeconfig(kubeconfigWithCluster(cluster), p);
    return undefined;
  } catch (err) {
    if (err instanceof KubeconfigError) return err.message;
    throw err;
  }
}

describe('internal addresses are refused by default, in every spelling', () => {
  it.each<[string, RegExp]>([
    ['https://127.0.0.1:6443', /127\.0\.0\.1 is a loopback address/],
    ['http://2130706433', /127\.0\.0\.1 is a loopback address/],
    ['https://0x7f.1', /127\.0\.0\.1 is a loopback address/],
    ['https://0x7f000001', /127\.0\.0\.1 is a loopback address/],
    ['https://0177.0.0.1', /127\.0\.0\.1 is a loopback address/],
    ['https://127.1', /127\.0\.0\.1 is a loopback address/],
    ['https://127.0.0.1.', /127\.0\.0\.1 is a loopback address/],
    ['https://[::ffff:127.0.0.1]', /loopback address \(127\.0\.0\.1\)/],
    ['https://[::ffff:7f00:1]', /loopback address \(127\.0\.0\.1\)/],
    ['https://[::1]:6443', /\[::1\] is a loopback address/],
    ['https://[::127.0.0.1]', /embedding 127\.0\.0\.1 \(a loopback address\)/],
    ['https://[64:ff9b::a9fe:a9fe]', /embedding 169\.254\.169\.254/],
    ['https://[2002:a00:1::]', /embedding 10\.0\.0\.1 \(a private/],
    ['http://169.254.169.254', /169\.254\.169\.254 is a link-local\/metadata address/],
    ['https://169.254.1.1', /link-local/],
    ['https://[fe80::1]', /link-local/],
    ['https://[fd00:ec2::254]', /cloud metadata address/],
    ['http://100.100.100.200', /cloud metadata address/],
    ['https://100.64.0.1', /carrier-grade NAT/],
    ['https://10.0.0.1', /private \(RFC 1918\)/],
    ['https://172.16.5.4', /private/],
    ['https://192.168.1.1', /private/],
    ['https://[fc00::1]', /unique local/],
    ['https://0.0.0.0', /unspecified/],
    ['https://[::]', /unspecified/],
    ['https://localhost:6443', /localhost is a loopback name/],
    ['https://LOCALHOST.', /loopback name/],
    ['https://api.localhost', /loopback name/],
    ['http://metadata.google.internal', /metadata\.google\.internal is a cloud metadata name/],
    ['http://metadata', /cloud metadata name/],
  ])('%s', (server, reason) => {
    const message = serverIssue({ server });
    expect(message).toMatch(/clusters\[0\]\.cluster\.server: /);
    expect(message).toMatch(reason);
    expect(message).toMatch(/not allowed unless KUBE_SERVER_ALLOWLIST names it/);
  });

  it('the message names the field and the reason the way the docs say', () => {
    expect(serverIssue({ server: 'http://169.254.169.254/latest' })).toBe(
      'invalid kubeconfig: clusters[0].cluster.server: 169.254.169.254 is a link-local/metadata address; not allowed unless KUBE_SERVER_ALLOWLIST names it',
    );
  });

  it('the message quotes the host only, never credentials in the URL', () => {
    const message = serverIssue({ server: 'https://admin:s3cret-pass@127.0.0.1:6443/?token=abc123' });
    expect(message).not.toMatch(/s3cret-pass|abc123|admin/);
  });

  it.each(['https://api.example.com:6443', 'https://8.8.8.8', 'https://[2606:4700::1111]', 'https://metadata-service.example.com', 'https://localhost-proxy.example.com'])(
    'a public host is accepted with an empty allow-list: %s',
    (server) => {
      expect(serverIssue({ server })).toBeUndefined();
    },
  );
});

describe('the allow-list', () => {
  it.each<[string, string[]]>([
    ['https://127.0.0.1:6443', ['127.0.0.1']],
    ['https://[::ffff:127.0.0.1]', ['127.0.0.1']],
    ['http://2130706433', ['127.0.0.0/8']],
    ['https://10.1.2.3', ['10.0.0.0/8']],
    ['https://localhost', ['localhost']],
    ['https://a.localhost', ['*.localhost']],
    ['http://169.254.169.254', ['169.254.169.254']],
    ['https://[::1]', ['::1']],
    ['https://[fd00:ec2::254]', ['[fd00:ec2::254]']],
  ])('names %s with %j', (server, list) => {
    expect(serverIssue({ server }, policy(list))).toBeUndefined();
  });

  it('a non-empty list admits only what it names', () => {
    expect(serverIssue({ server: 'https://api.example.com' }, policy(['127.0.0.1']))).toMatch(/names a host outside the allowed list/);
    expect(serverIssue({ server: 'https://127.0.0.2' }, policy(['127.0.0.1']))).toMatch(/127\.0\.0\.2 is a loopback address/);
  });

  it('hostAllowed matches names as written and IPs by value', () => {
    expect(hostAllowed('127.1', ['127.0.0.1'])).toBe(true);
    expect(hostAllowed('localhost.', ['localhost'])).toBe(true);
    expect(hostAllowed('evil-localhost', ['localhost'])).toBe(false);
    expect(hostAllowed('127.0.0.1', ['localhost'])).toBe(false);
    expect(hostAllowed('[::1]', ['127.0.0.1'])).toBe(false);
  });

  it.each(['10.0.0.0/', '10.0.0.0/abc', '10.0.0.0/33', 'host:6443', 'https://api.example.com', 'bad_host!', '999.1.1.1', '*.', 'a..b'])('refuses the entry %j, naming it', (entry) => {
    expect(() => validateAllowlist(['api.example.com', entry])).toThrow(AllowlistError);
    expect(() => validateAllowlist([entry])).toThrow(`'${entry}'`);
  });

  it.each([['api.example.com'], ['*.example.com'], ['10.0.0.0/8'], ['127.0.0.1'], ['::1'], ['fd00::/8'], ['[::1]'], ['localhost'], ['']])('accepts the entry %j', (entry) => {
    expect(() => validateAllowlist([entry])).not.toThrow();
  });

  it('production requires an allow-list', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` })).toThrow(/KUBE_SERVER_ALLOWLIST is required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, KUBE_SERVER_ALLOWLIST: '*.corp.example' }).kubeconfigPolicy.serverAllowlist).toEqual(['*.corp.example']);
  });

  it('loadConfig stops with a clear error on a bad entry, and passes a good list to the policy', () => {
    expect(() => loadConfig({ KUBE_SERVER_ALLOWLIST: '127.0.0.1, 10.0.0.0/' })).toThrow(/KUBE_SERVER_ALLOWLIST entry '10\.0\.0\.0\/' is not a valid hostname/);
    expect(loadConfig({ KUBE_SERVER_ALLOWLIST: '127.0.0.1, *.corp.example' }).kubeconfigPolicy.serverAllowlist).toEqual(['127.0.0.1', '*.corp.example']);
  });
});

describe('proxy-url is checked like the server', () => {
  it.each<[string, RegExp | undefined]>([
    ['http://proxy.example.com:3128', undefined],
    ['socks5://proxy.example.com:1080', undefined],
    ['socks5://127.0.0.1:1080', /proxy-url: 127\.0\.0\.1 is a loopback address/],
    ['http://169.254.169.254', /proxy-url: 169\.254\.169\.254 is a link-local\/metadata address/],
    ['file:///etc/passwd', /proxy-url: must be an http\(s\) or socks5 URL/],
    ['', /proxy-url: must be a URL/],
  ])('%s', (proxy, reason) => {
    const message = serverIssue({ server: 'https://api.example.com', 'proxy-url': proxy });
    if (reason) expect(message).toMatch(reason);
    else expect(message).toBeUndefined();
  });

  it('an allow-listed proxy is accepted', () => {
    expect(serverIssue({ server: 'https://api.example.com', 'proxy-url': 'http://10.0.0.5:3128' }, policy(['api.example.com', '10.0.0.5']))).toBeUndefined();
  });
});

describe('urlProblem and internalHostReason', () => {
  it('refuses a non-string or over-long value', () => {
    expect(urlProblem(42, 'server')).toBe('is required');
    expect(urlProblem(`https://${'a'.repeat(2050)}.example.com`, 'server')).toBe('must be at most 2048 characters');
  });

  it('judges a public address as fine', () => {
    expect(internalHostReason('203.0.113.7')).toBeUndefined();
    expect(internalHostReason('api.example.com')).toBeUndefined();
  });
});
