import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import {
  DEFAULT_KUBECONFIG_POLICY,
  hostAllowed,
  KubeconfigError,
  MAX_KUBECONFIG_STRING,
  MAX_KUBECONFIG_TEXT,
  resolveKubeconfig,
  type KubeconfigIssue,
  type KubeconfigPolicy,
} from '../../../src/domain/kubeconfig.js';
import { removeStaleKubeconfigDirs, withKubeconfigFile } from '../../../activities/kubeconfig-file.js';
import { FAKE_CA_DATA, FAKE_TOKEN, kubeconfigWithCluster, kubeconfigWithUser, multiContextKubeconfig, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';

function issuesOf(raw: unknown, policy: KubeconfigPolicy = DEFAULT_KUBECONFIG_POLICY): KubeconfigIssue[] {
  try {
    resolveKubeconfig(raw, policy);
  } catch (err) {
    if (err instanceof KubeconfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a KubeconfigError');
}

const paths = (issues: KubeconfigIssue[]) => issues.map((i) => i.path);
const ALLOW_EXEC: KubeconfigPolicy = { allowExec: true, allowFileReferences: false };
const ALLOW_FILES: KubeconfigPolicy = { allowExec: false, allowFileReferences: true };

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

describe('withKubeconfigFile', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ned-kc-test-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('writes a 0600 file in a 0700 directory and removes it after success', async () => {
    const kc = resolveKubeconfig(tokenKubeconfig()).minimal;
    let seen = '';
    const result = await withKubeconfigFile(
      kc,
      async (path) => {
        seen = path;
        expect(dirname(dirname(path))).toBe(base);
        expect(basename(dirname(path))).toMatch(/^ned-kube-/);
        expect((await stat(path)).mode & 0o777).toBe(0o600);
        expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
        expect(yaml.load(await readFile(path, 'utf8'))).toEqual(kc);
        return 'done';
      },
      base,
    );
    expect(result).toBe('done');
    expect(seen).not.toBe('');
    await expect(stat(dirname(seen))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(base)).toEqual([]);
  });

  it('removes the file and directory when the callback throws, and rethrows', async () => {
    let seen = '';
    await expect(
      withKubeconfigFile(
        tokenKubeconfig(),
        async (path) => {
          seen = path;
          await stat(path);
          throw new Error('helm exploded');
        },
        base,
      ),
    ).rejects.toThrow('helm exploded');
    expect(seen).not.toBe('');
    await expect(stat(seen)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(base)).toEqual([]);
  });

  it('two concurrent calls get different files', async () => {
    const seen: string[] = [];
    await Promise.all([1, 2].map(() => withKubeconfigFile(tokenKubeconfig(), (p) => Promise.resolve(void seen.push(p)), base)));
    expect(new Set(seen).size).toBe(2);
    expect(await readdir(base)).toEqual([]);
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

describe('YAML aliases and sizes', () => {
  /** "Billion laughs": each level names the previous one ten times; levels are added until the text has `size` characters. */
  function billionLaughs(size: number): string {
    const lines = ['apiVersion: v1', 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    let length = lines.join('\n').length;
    for (let i = 1; length < size; i++) {
      const line = `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(',')}]`;
      lines.push(line);
      length += line.length + 1;
    }
    lines.push(`users: [{name: u, user: {token: "${FAKE_TOKEN}", laughs: *l${lines.length - 2}}}]`);
    return lines.join('\n');
  }

  it('a 127 KB billion-laughs YAML is refused at once, naming the cause and not the token', () => {
    const bomb = billionLaughs(127 * 1024);
    expect(bomb.length).toBeGreaterThanOrEqual(127 * 1024);
    const started = Date.now();
    const issues = issuesOf(bomb);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(issues).toEqual([{ path: '', reason: expect.stringMatching(/too many YAML nodes \/ aliases not allowed/) as unknown }]);
    expect(JSON.stringify(issues)).not.toContain(FAKE_TOKEN);
  });

  it.each<[string, string]>([
    ['a scalar alias', 'x: &t abcdefgh\nusers: [{name: u, user: {token: *t}}]\n'],
    ['a mapping alias', 'x: &u {token: abcdefgh}\nusers: [{name: u, user: *u}]\n'],
    ['a block-style alias', 'x: &u\n  token: abcdefgh\nusers:\n- name: u\n  user: *u\n'],
  ])('%s is refused before anything expands it', (_name, text) => {
    expect(issuesOf(text)).toEqual([{ path: '', reason: expect.stringMatching(/aliases not allowed/) as unknown }]);
  });

  it('more YAML nodes than the limit are refused while parsing', () => {
    const text = `extra: [${Array(25_000).fill('1').join(',')}]\n`;
    expect(issuesOf(text)[0]?.reason).toMatch(/too many YAML nodes/);
  });

  it('empty values, nulls and anchors that no alias uses are fine', () => {
    const text = yaml.dump(tokenKubeconfig({ preferences: {}, extensions: [] })) + 'spare: &unused 1\nnothing:\nnull-value: null\n';
    expect(resolveKubeconfig(text).contextName).toBe('prod-ctx');
  });

  it(`a kubeconfig text longer than ${MAX_KUBECONFIG_TEXT} characters is refused before it is parsed`, () => {
    const text = yaml.dump(tokenKubeconfig()) + `# ${'x'.repeat(MAX_KUBECONFIG_TEXT)}\n`;
    expect(issuesOf(text)).toEqual([{ path: '', reason: `must be at most ${MAX_KUBECONFIG_TEXT} characters` }]);
  });

  it.each<[string, Kc, string]>([
    ['a token', kubeconfigWithUser({ token: 'x'.repeat(MAX_KUBECONFIG_STRING + 1) }), 'users[0].user.token'],
    ['CA data', kubeconfigWithCluster({ server: 'https://api.example.com', 'certificate-authority-data': 'A'.repeat(MAX_KUBECONFIG_STRING + 1) }), 'clusters[0].cluster.certificate-authority-data'],
  ])('%s longer than 64 KiB is refused, naming the field', (_name, kc, path) => {
    expect(issuesOf(kc)).toEqual([{ path, reason: `must be at most ${MAX_KUBECONFIG_STRING} characters` }]);
  });

  it('64 KiB of certificate data is still accepted', () => {
    const kc = kubeconfigWithCluster({ server: 'https://api.example.com', 'certificate-authority-data': 'A'.repeat(MAX_KUBECONFIG_STRING) });
    expect(resolveKubeconfig(kc).clusterName).toBe('prod');
  });

  it('a server URL longer than 2048 characters is refused', () => {
    const issues = issuesOf(kubeconfigWithCluster({ server: `https://api.example.com/${'a'.repeat(2048)}` }));
    expect(issues).toEqual([{ path: 'clusters[0].cluster.server', reason: 'must be at most 2048 characters' }]);
  });
});

describe('removeStaleKubeconfigDirs', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ned-stale-test-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('removes every ned-kube-* directory (with its kubeconfig) and nothing else, and counts them', async () => {
    for (const d of ['ned-kube-aaa', 'ned-kube-bbb', 'other-dir']) {
      await mkdir(join(base, d));
      await writeFile(join(base, d, 'kubeconfig.yaml'), 'token: secret', { mode: 0o600 });
    }
    await writeFile(join(base, 'ned-kube-file'), 'a file, not a directory');
    expect(await removeStaleKubeconfigDirs(base)).toBe(2);
    expect((await readdir(base)).sort()).toEqual(['ned-kube-file', 'other-dir']);
    expect(await removeStaleKubeconfigDirs(base)).toBe(0);
  });

  it('keeps the directories of another worker process that still runs, removes those of one that is gone', async () => {
    const other = execa('sleep', ['30']);
    const gone = execa('true');
    await gone;
    try {
      for (const d of [`ned-kube-${other.pid}-live`, `ned-kube-${gone.pid}-dead`, `ned-kube-${process.pid}-ours`]) await mkdir(join(base, d));
      expect(await removeStaleKubeconfigDirs(base)).toBe(2);
      expect(await readdir(base)).toEqual([`ned-kube-${other.pid}-live`]);
    } finally {
      other.kill('SIGKILL');
      await other.catch(() => undefined);
    }
  });

  it('a temp dir that does not exist has nothing to remove', async () => {
    expect(await removeStaleKubeconfigDirs(join(base, 'missing'))).toBe(0);
  });

  it('the directory withKubeconfigFile creates is the kind it removes', async () => {
    await withKubeconfigFile(tokenKubeconfig(), async () => expect(await removeStaleKubeconfigDirs(base)).toBe(1), base);
    expect(await readdir(base)).toEqual([]);
  });
});
