import { redactCredentials } from '../../../src/api/redact.js';

describe('redactCredentials', () => {
  it('hides NATS credentials in helm values: pass, tokens, nkey seeds and creds files, URL userinfo', () => {
    const values = {
      config: {
        merge: { accounts: { A: { users: [{ user: 'alice', pass: 'p4ss' }, { nkey: 'UABC' }] } }, authorization: { token: 't0k' } },
        leafnodes: { merge: { remotes: [{ url: 'nats-leaf://leaf:s3cret@hub.example:7422' }] } },
        cluster: { routeURLs: { k8sClusterDomain: 'cluster.local' }, merge: { routes: ['nats://ruser:rpass@r1:6222', 'nats://r2:6222'] } },
      },
      natsBox: { contexts: { default: { creds: { contents: '-----BEGIN NATS USER JWT-----' }, nkey: { contents: 'SUA…' } } } },
    };
    const { value, redacted } = redactCredentials(values);
    const text = JSON.stringify(value);
    for (const secret of ['p4ss', 't0k', 'UABC', 's3cret', 'leaf:s3', 'rpass', 'ruser', 'BEGIN NATS', 'SUA']) expect(text).not.toContain(secret);
    expect(text).toContain('alice');
    expect(text).toContain('nats-leaf://<redacted>@hub.example:7422');
    expect(text).toContain('nats://r2:6222');
    expect(redacted).toBe(7);
  });
});
