// Tenancy of the payload codec (/codec): who may decode and encode, and what decode redacts.
import request from 'supertest';
import { FAKE_CA_DATA, FAKE_TOKEN } from '../fixtures/kubeconfig.js';
import { bearer } from './support.js';
import { ADMIN, ID_A, setup } from './tenancy-setup.js';

describe('/codec', () => {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const input = {
    systemId: ID_A,
    releaseName: 'nats-a',
    kubeconfig: {
      clusters: [{ name: 'prod', cluster: { server: 'https://api.example.com:6443', 'certificate-authority-data': FAKE_CA_DATA } }],
      users: [
        { name: 'deployer', user: { token: FAKE_TOKEN, 'client-key-data': 'S0VZ', 'client-certificate-data': 'Q0VSVA==', username: 'ops', password: 'hunter2' } },
        { name: 'plugin', user: { exec: { command: 'aws', args: ['eks', 'get-token'] }, 'auth-provider': { name: 'oidc', config: { 'id-token': 'x' } } } },
      ],
    },
    helmValues: { config: { merge: { authorization: { token: 'nats-secret' } } } },
  };
  const plain = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(input)) };

  async function sealed(app: ReturnType<typeof setup>['app']) {
    const res = await request(app).post('/codec/encode').set(ADMIN).send({ payloads: [plain] }).expect(200);
    return res.body.payloads as unknown[];
  }
  const decodedInput = (res: { body: { payloads: Array<{ data: string }> } }) => JSON.parse(Buffer.from(res.body.payloads[0]!.data, 'base64').toString()) as typeof input;

  it.each(['deployer-a', 'viewer-a', 'writer'])('refuses decode to %s (403)', async (who) => {
    const { app } = setup();
    const payloads = await sealed(app);
    await request(app).post('/codec/decode').set(bearer(who)).send({ payloads }).expect(403);
  });

  it('decodes for codec-viewer with every credential redacted, the cluster still visible', async () => {
    const { app } = setup();
    const payloads = await sealed(app);
    const res = await request(app).post('/codec/decode').set(bearer('codec')).send({ payloads }).expect(200);
    const out = decodedInput(res);
    expect(res.text).not.toContain(b64(FAKE_TOKEN).slice(0, 20));
    expect(JSON.stringify(out)).not.toMatch(new RegExp(`${FAKE_TOKEN}|hunter2|nats-secret|get-token|S0VZ|Q0VSVA`));
    expect(out.kubeconfig.users[0]!.user).toEqual({ token: '<redacted>', 'client-key-data': '<redacted>', 'client-certificate-data': '<redacted>', username: 'ops', password: '<redacted>' });
    expect(out.kubeconfig.users[1]!.user).toEqual({ exec: '<redacted>', 'auth-provider': '<redacted>' });
    expect(out.kubeconfig.clusters).toEqual(input.kubeconfig.clusters);
    expect(out.helmValues.config.merge.authorization.token).toBe('<redacted>');
    expect(out.releaseName).toBe('nats-a');
  });

  it('redacts for admin too unless the admin asks for ?redact=false, which nobody else may', async () => {
    const { app } = setup();
    const payloads = await sealed(app);
    const byDefault = await request(app).post('/codec/decode').set(ADMIN).send({ payloads }).expect(200);
    expect(decodedInput(byDefault).kubeconfig.users[0]!.user.token).toBe('<redacted>');
    const raw = await request(app).post('/codec/decode?redact=false').set(ADMIN).send({ payloads }).expect(200);
    expect(raw.body.payloads).toEqual([plain]);
    await request(app).post('/codec/decode?redact=false').set(bearer('codec')).send({ payloads }).expect(403);
  });

  it('keeps payloads without credentials byte for byte', async () => {
    const { app } = setup();
    const harmless = { metadata: { encoding: b64('json/plain') }, data: b64('{ "b": 1,  "a": [true] }') };
    const res = await request(app).post('/codec/decode').set(bearer('codec')).send({ payloads: [harmless] }).expect(200);
    expect(res.body.payloads).toEqual([harmless]);
  });

  it('withholds a json/plain payload that does not parse', async () => {
    const { app } = setup();
    const broken = { metadata: { encoding: b64('json/plain') }, data: b64('{"token": "abc"') };
    const res = await request(app).post('/codec/decode').set(bearer('codec')).send({ payloads: [broken] }).expect(200);
    expect(Buffer.from(res.body.payloads[0].data as string, 'base64').toString()).toBe('"<redacted>"');
  });

  it('leaves encode to admins', async () => {
    const { app } = setup();
    await request(app).post('/codec/encode').set(bearer('codec')).send({ payloads: [plain] }).expect(403);
    await request(app).post('/codec/encode').set(bearer('deployer-a')).send({ payloads: [plain] }).expect(403);
  });
});
