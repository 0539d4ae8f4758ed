// resolveKubeconfig's limits: YAML aliases, node counts, text and field sizes.
import yaml from 'js-yaml';
import { MAX_KUBECONFIG_STRING, MAX_KUBECONFIG_TEXT, resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { FAKE_TOKEN, kubeconfigWithCluster, kubeconfigWithUser, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';
import { issuesOf } from './kubeconfig-issues.js';

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
