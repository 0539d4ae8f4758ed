import { createHash } from 'node:crypto';
import { resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { clusterFingerprint, normaliseServerUrl } from '../../../src/api/cluster-fingerprint.js';
import { FAKE_CA_DATA, FAKE_TOKEN, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';

const hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const fp = (cluster: Kc, user: Kc = { token: FAKE_TOKEN }) =>
  clusterFingerprint(resolveKubeconfig(tokenKubeconfig({ clusters: [{ name: 'prod', cluster }], users: [{ name: 'deployer', user }] })).minimal);

describe('normaliseServerUrl', () => {
  it.each<[string, string]>([
    ['https://api.example.com:6443', 'https://api.example.com:6443'],
    ['HTTPS://API.Example.COM:6443/', 'https://api.example.com:6443'],
    ['https://api.example.com:443', 'https://api.example.com'],
    ['http://10.0.0.1:80/', 'http://10.0.0.1'],
    ['https://[::1]:6443', 'https://[::1]:6443'],
    ['https://user:secret@api.example.com:6443/k8s/clusters/c-1/?x=1#y', 'https://api.example.com:6443/k8s/clusters/c-1'],
    ['  https://api.example.com  ', 'https://api.example.com'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseServerUrl(input)).toBe(expected);
  });
});

describe('clusterFingerprint', () => {
  const PROD = { server: 'https://api.example.com:6443', 'certificate-authority-data': FAKE_CA_DATA };

  it('is sha256(normalised server + "\\n" + sha256(CA data)), hex', () => {
    expect(fp(PROD)).toBe(hex(`https://api.example.com:6443\n${hex(FAKE_CA_DATA)}`));
    expect(fp({ server: PROD.server })).toBe(hex(`https://api.example.com:6443\n${hex('')}`));
  });

  it('does not depend on credentials or on how the CA data is wrapped', () => {
    expect(fp(PROD, { token: 'another' })).toBe(fp(PROD));
    expect(fp(PROD, { username: 'u', password: 'p' })).toBe(fp(PROD));
    const wrapped = FAKE_CA_DATA.replace(/(.{20})/g, '$1\n  ');
    expect(fp({ ...PROD, 'certificate-authority-data': wrapped })).toBe(fp(PROD));
  });

  it('changes with the port, host, path or CA', () => {
    const all = [
      fp(PROD),
      fp({ ...PROD, server: 'https://api.example.com:7443' }),
      fp({ ...PROD, server: 'https://api2.example.com:6443' }),
      fp({ ...PROD, server: 'https://api.example.com:6443/k8s/clusters/c-2' }),
      fp({ ...PROD, 'certificate-authority-data': Buffer.from('other').toString('base64') }),
      fp({ server: PROD.server }),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('never contains the credentials', () => {
    expect(fp(PROD)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses something that is not a minimal kubeconfig', () => {
    expect(() => clusterFingerprint({ clusters: [] })).toThrow(/one cluster/);
  });
});
