// The Temporal codec server protocol: POST /codec/encode and /codec/decode with { payloads: [{ metadata, data }] },
// every byte string base64. The Web UI decodes what it shows through these endpoints.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DEFAULT_KUBECONFIG_POLICY } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { createLogger } from '../../../src/logger.js';
import { EncryptionCodec, type EncryptionKey } from '../../../src/temporal/encryption-codec.js';
import type { ExchangeOperations } from '../../../src/temporal/exchange-operations.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const keyA = key('key-a');
const keyB = key('key-b');

interface WirePayload {
  metadata?: Record<string, string>;
  data?: string;
}
interface CodecAnswer {
  payloads: WirePayload[];
  success?: boolean;
  error?: string;
}
const answer = (res: { body: unknown }) => res.body as CodecAnswer;

const noOperations: ExchangeOperations = {
  deploy: () => Promise.reject(new Error('not used')),
  update: () => Promise.reject(new Error('not used')),
  remove: () => Promise.reject(new Error('not used')),
  cancel: () => Promise.reject(new Error('not used')),
  preview: () => Promise.reject(new Error('not used')),
  revisions: () => Promise.reject(new Error('not used')),
  rollback: () => Promise.reject(new Error('not used')),
  status: () => Promise.resolve(null),
};

function appWith(keys: EncryptionKey[]) {
  return createApp({
    operations: noOperations,
    kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
    temporalUiUrl: 'http://temporal-ui.local:8233',
    temporalNamespace: 'default',
    logger: createLogger('silent', 'test'),
    codec: { codec: new EncryptionCodec(keys), corsOrigins: ['http://temporal-ui.local:8233'] },
  });
}

const PLAIN = '{"a":1}';
const plainPayload = (): WirePayload => ({ metadata: { encoding: b64('json/plain') }, data: b64(PLAIN) });

async function encoded(app = appWith([keyA]), payloads: WirePayload[] = [plainPayload()]): Promise<WirePayload[]> {
  const res = await request(app).post('/codec/encode').send({ payloads }).expect(200);
  return answer(res).payloads;
}

describe('POST /codec/encode and /codec/decode', () => {
  it('round-trips a payload: encode, then decode gives back the original', async () => {
    const app = appWith([keyA]);
    const sealed = await encoded(app);
    const res = await request(app).post('/codec/decode').send({ payloads: sealed }).expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(answer(res).payloads).toEqual([plainPayload()]);
  });

  it('an encoded payload says binary/encrypted, names its key, and does not contain the plaintext', async () => {
    const [p] = await encoded();
    expect(p?.metadata?.encoding).toBe(b64('binary/encrypted'));
    expect(unb64(p?.metadata?.['encryption-key-id'] ?? '')).toBe('key-a');
    expect(Object.keys(p?.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']); // the inner encoding is sealed too
    const data = Buffer.from(p?.data ?? '', 'base64');
    expect(data.length).toBeGreaterThan(Buffer.byteLength(PLAIN));
    expect(data.toString('latin1')).not.toContain(PLAIN);
    expect(data.toString('latin1')).not.toContain('json/plain');
    expect(p?.data).not.toContain(b64(PLAIN));
  });

  it('encodes the same payload differently each time (fresh IV)', async () => {
    const app = appWith([keyA]);
    const [one] = await encoded(app);
    const [two] = await encoded(app);
    expect(one?.data).not.toBe(two?.data);
  });

  it('round-trips several payloads in order, and an empty list', async () => {
    const app = appWith([keyA]);
    const many = [plainPayload(), { metadata: { encoding: b64('json/plain') }, data: b64('"two"') }, { metadata: { encoding: b64('binary/null') }, data: '' }];
    const sealed = await encoded(app, many);
    expect(sealed).toHaveLength(3);
    const res = await request(app).post('/codec/decode').send({ payloads: sealed }).expect(200);
    expect(answer(res).payloads).toEqual(many);
    await request(app).post('/codec/decode').send({ payloads: [] }).expect(200, { payloads: [] });
  });

  it('decode passes a payload that is not encrypted through unchanged', async () => {
    const res = await request(appWith([keyA])).post('/codec/decode').send({ payloads: [plainPayload()] }).expect(200);
    expect(answer(res).payloads).toEqual([plainPayload()]);
  });

  it('decodes with any configured key, so keys can rotate', async () => {
    const sealed = await encoded(appWith([keyA]));
    const rotated = appWith([keyB, keyA]);
    const res = await request(rotated).post('/codec/decode').send({ payloads: sealed }).expect(200);
    expect(answer(res).payloads).toEqual([plainPayload()]);
    // and the rotated app encodes with its first key
    const [p] = await encoded(rotated);
    expect(unb64(p?.metadata?.['encryption-key-id'] ?? '')).toBe('key-b');
  });

  it('decoding with a different key set answers 400 without the payload', async () => {
    const sealed = await encoded(appWith([keyA]));
    const res = await request(appWith([keyB])).post('/codec/decode').send({ payloads: sealed }).expect(400);
    expect(res.body).toEqual({ success: false, error: "Cannot decode payloads: payload was encrypted with key 'key-a', which is not configured" });
    expect(res.text).not.toContain(sealed[0]?.data ?? '<none>');
  });

  it('decoding with the same key id but other key bytes answers 400', async () => {
    const sealed = await encoded(appWith([keyA]));
    const impostor = appWith([{ id: 'key-a', key: randomBytes(32) }]);
    const res = await request(impostor).post('/codec/decode').send({ payloads: sealed }).expect(400);
    expect(answer(res)).toMatchObject({ success: false, error: expect.stringMatching(/^Cannot decode payloads: /) });
  });

  it.each<[string, (p: WirePayload) => WirePayload]>([
    [
      'a flipped byte',
      (p) => {
        const d = Buffer.from(p.data ?? '', 'base64');
        d[20] = (d[20] ?? 0) ^ 0xff;
        return { ...p, data: d.toString('base64') };
      },
    ],
    ['truncated data', (p) => ({ ...p, data: Buffer.from(p.data ?? '', 'base64').subarray(0, 10).toString('base64') })],
    ['no data', (p) => ({ metadata: p.metadata })],
  ])('a tampered payload (%s) answers 400', async (_name, tamper) => {
    const app = appWith([keyA]);
    const [p] = await encoded(app);
    const res = await request(app)
      .post('/codec/decode')
      .send({ payloads: [tamper(p as WirePayload)] })
      .expect(400);
    expect(answer(res)).toMatchObject({ success: false, error: expect.stringMatching(/^Cannot decode payloads: /) });
  });

  it.each<[string, unknown]>([
    ['missing payloads', {}],
    ['payloads not a list', { payloads: plainPayload() }],
    ['payloads null', { payloads: null }],
    ['a payload that is a string', { payloads: [b64(PLAIN)] }],
    ['non-base64 data', { payloads: [{ metadata: { encoding: b64('json/plain') }, data: '{"a":1}' }] }],
    ['non-base64 metadata', { payloads: [{ metadata: { encoding: 'json/plain!' }, data: b64(PLAIN) }] }],
    ['metadata values that are not strings', { payloads: [{ metadata: { encoding: 7 }, data: b64(PLAIN) }] }],
    ['an unknown payload field', { payloads: [{ ...plainPayload(), externalPayloads: [] }] }],
    ['more than 1000 payloads', { payloads: Array.from({ length: 1001 }, plainPayload) }],
    ['a JSON array', [plainPayload()]],
  ])('a malformed body (%s) answers 400 for both operations', async (_name, body) => {
    const app = appWith([keyA]);
    for (const op of ['encode', 'decode']) {
      const res = await request(app).post(`/codec/${op}`).send(body as object).expect(400);
      expect(res.body).toEqual({ success: false, error: 'Invalid codec request: expected { payloads: [{ metadata, data }] } with base64 values' });
    }
  });

  it('broken JSON answers 400 without quoting the body', async () => {
    const res = await request(appWith([keyA])).post('/codec/decode').set('Content-Type', 'application/json').send('{"payloads": [{"data": "c2VjcmV0LXRva2Vu"').expect(400);
    expect(res.body).toEqual({ success: false, error: 'Request body is not valid JSON' });
    expect(res.text).not.toContain('c2VjcmV0LXRva2Vu');
  });

  it('a body that is not JSON answers 400', async () => {
    const res = await request(appWith([keyA])).post('/codec/decode').set('Content-Type', 'text/plain').send('payloads').expect(400);
    expect(answer(res).success).toBe(false);
  });

  it('accepts the X-Namespace header the Web UI sends', async () => {
    const app = appWith([keyA]);
    const enc = await request(app).post('/codec/encode').set('X-Namespace', 'default').send({ payloads: [plainPayload()] }).expect(200);
    const dec = await request(app).post('/codec/decode').set('X-Namespace', 'default').send({ payloads: answer(enc).payloads }).expect(200);
    expect(answer(dec).payloads).toEqual([plainPayload()]);
  });

  it('only POST is served', async () => {
    await request(appWith([keyA])).get('/codec/decode').expect(404);
  });
});
