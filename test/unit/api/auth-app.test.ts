// Bearer authentication in the app: what callers without the token get, and the codec's CORS.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DEFAULT_KUBECONFIG_POLICY } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { TokenVerifier } from '../../../src/api/auth.js';
import { createLogger } from '../../../src/logger.js';
import { EncryptionCodec } from '../../../src/temporal/encryption-codec.js';
import type { ExchangeOperations, Outcome } from '../../../src/temporal/exchange-operations.js';
import { exchangeWorkflowId, type DeployExchangeInput, type DeployExchangeResult } from '../../../workflows/shared.js';
import { tokenKubeconfig } from '../fixtures/kubeconfig.js';

const TOKEN = 's3cret';
const UI_ORIGIN = 'http://temporal-ui.local:8233';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

class FakeOperations implements ExchangeOperations {
  deployCalls: DeployExchangeInput[] = [];
  deploy(input: DeployExchangeInput): Promise<Outcome<DeployExchangeResult>> {
    this.deployCalls.push(input);
    return Promise.resolve({
      ok: true,
      workflowId: exchangeWorkflowId(input.systemId),
      runId: 'run-1',
      result: { systemId: input.systemId, releaseName: input.releaseName, namespace: input.namespace, publicUrl: `https://edge.example.com/nats/${input.releaseName}`, revision: 1 },
    });
  }
  update(): never {
    throw new Error('not used');
  }
  remove(): never {
    throw new Error('not used');
  }
  cancel(): never {
    throw new Error('not used');
  }
  preview(): never {
    throw new Error('not used');
  }
  revisions(): never {
    throw new Error('not used');
  }
  rollback(): never {
    throw new Error('not used');
  }
  status() {
    return Promise.resolve(null);
  }
}

function setup() {
  const ops = new FakeOperations();
  const codec = new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }]);
  const app = createApp({
    operations: ops,
    kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
    temporalUiUrl: 'http://temporal-ui.local:8233',
    temporalNamespace: 'default',
    logger: createLogger('silent', 'test'),
    auth: new TokenVerifier({ tokens: [TOKEN] }),
    codec: { codec, corsOrigins: [UI_ORIGIN] },
  });
  return { app, ops };
}

const seedBody = () => ({ kubeconfig: tokenKubeconfig(), helm_values: { 'config.cluster.replicas': 3 }, release_name: 'r', org_ids: 'org1', cluster_id: 'c1', name: 'R' });
const codecBody = { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('{"a":1}') }] };

describe('the app with bearer authentication', () => {
  it('answers 401 with WWW-Authenticate when no token is sent, and starts nothing', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').send(seedBody()).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toEqual({ success: false, error: 'Authentication required: send Authorization: Bearer <token>' });
    expect(ops.deployCalls).toHaveLength(0);
  });

  it.each<[string, string]>([
    ['a Basic header', `Basic ${b64(`user:${TOKEN}`)}`],
    ['"Bearer" without a token', 'Bearer '],
    ['the token without the scheme', TOKEN],
  ])('answers 401 for %s', async (_name, header) => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Authorization', header).send(seedBody()).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(ops.deployCalls).toHaveLength(0);
  });

  it('answers 403 for a wrong token, without echoing it', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Authorization', 'Bearer not-the-token').send(seedBody()).expect(403);
    expect(res.body).toEqual({ success: false, error: 'The bearer token is not accepted' });
    expect(res.text).not.toContain('not-the-token');
    expect(ops.deployCalls).toHaveLength(0);
  });

  it.each<[string, string]>([
    ['Bearer', `Bearer ${TOKEN}`],
    ['lower-case bearer', `bearer ${TOKEN}`],
  ])('runs the normal flow with the right token (%s)', async (_name, header) => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set('Authorization', header).send(seedBody()).expect(200);
    expect(res.body).toMatchObject({ success: true, release_name: 'r', revision: 1 });
    expect(ops.deployCalls).toHaveLength(1);
  });

  it('checks the token before the body: an unauthenticated invalid body is 401, not 400', async () => {
    const { app } = setup();
    await request(app).post('/exchange').set('Content-Type', 'application/json').send('{broken').expect(401);
    await request(app).post('/exchange').set('Content-Type', 'text/plain').send('x').expect(401);
  });

  it('hides which routes exist from callers without a token', async () => {
    const { app } = setup();
    await request(app).get('/no-such-route').expect(401);
    await request(app).get('/no-such-route').set('Authorization', `Bearer ${TOKEN}`).expect(404);
  });

  it('leaves /healthz and /readyz open', async () => {
    const { app } = setup();
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200);
  });

  describe('/codec', () => {
    it('requires the token for decode and encode', async () => {
      const { app } = setup();
      const missing = await request(app).post('/codec/decode').set('Origin', UI_ORIGIN).send(codecBody).expect(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      await request(app).post('/codec/encode').send(codecBody).expect(401);
      await request(app).post('/codec/decode').set('Authorization', 'Bearer wrong').send(codecBody).expect(403);
      const ok = await request(app).post('/codec/decode').set('Authorization', `Bearer ${TOKEN}`).set('X-Namespace', 'default').send(codecBody).expect(200);
      expect(ok.body).toEqual(codecBody); // not encrypted: passed through
    });

    it('answers a preflight from an allowed origin without a token, allowing Authorization and X-Namespace', async () => {
      const { app } = setup();
      const res = await request(app)
        .options('/codec/decode')
        .set('Origin', UI_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,x-namespace')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'x-namespace', 'content-type']));
      expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    });

    it('gives a disallowed origin no Access-Control-Allow-Origin, on the preflight or the call', async () => {
      const { app } = setup();
      const pre = await request(app)
        .options('/codec/decode')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,x-namespace');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      // (the cors package still sends Allow-Credentials; without a matching Allow-Origin the browser refuses anyway)
      const call = await request(app).post('/codec/decode').set('Origin', 'https://evil.example').set('Authorization', `Bearer ${TOKEN}`).send(codecBody);
      expect(call.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('an allowed origin gets CORS headers on the call itself', async () => {
      const { app } = setup();
      const res = await request(app).post('/codec/decode').set('Origin', UI_ORIGIN).set('Authorization', `Bearer ${TOKEN}`).send(codecBody).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    });

    it('the exchange API does not answer CORS, even for the codec origin', async () => {
      const { app } = setup();
      const res = await request(app)
        .options('/exchange')
        .set('Origin', UI_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
