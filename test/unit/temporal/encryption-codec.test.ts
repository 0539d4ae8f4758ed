import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec, ENCODING, generateEncryptionKeySpec, parseEncryptionKeys, PayloadKeyError, type EncryptionKey } from '../../../src/temporal/encryption-codec.js';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const keyA = key('key-a');
const keyB = key('key-b');
const SECRET = { kubeconfig: { users: [{ name: 'u', user: { token: 'super-secret-token-value' } }] }, releaseName: 'nats-exchange-1' };

const toPayload = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(p as Payload);
const metaString = (p: Payload | undefined, k: string) => Buffer.from(p?.metadata?.[k] ?? new Uint8Array()).toString();

/** Runs decode so that a synchronous throw and a rejected promise both surface as a rejection. */
const decodeAsync = (codec: EncryptionCodec, payloads: Payload[]) => Promise.resolve().then(() => codec.decode(payloads));

async function sealed(value: unknown, codec = new EncryptionCodec([keyA])): Promise<Payload> {
  const [p] = await codec.encode([toPayload(value)]);
  if (!p) throw new Error('no payload');
  return p;
}

describe('EncryptionCodec', () => {
  it.each<[string, unknown]>([
    ['an object holding a kubeconfig', SECRET],
    ['a string', 'hello'],
    ['a number', 42],
    ['null', null],
    ['an empty array', []],
    ['a large value', { blob: 'x'.repeat(200_000) }],
  ])('round-trips %s', async (_name, value) => {
    const codec = new EncryptionCodec([keyA]);
    const [decoded] = await codec.decode([await sealed(value, codec)]);
    expect(fromPayload(decoded)).toEqual(value);
  });

  it('round-trips several payloads in one call, in order', async () => {
    const codec = new EncryptionCodec([keyA]);
    const encoded = await codec.encode([toPayload('one'), toPayload({ two: 2 }), toPayload(undefined)]);
    const decoded = await codec.decode(encoded);
    expect(decoded.map(fromPayload)).toEqual(['one', { two: 2 }, undefined]);
  });

  it('the encoded payload is marked encrypted with the current key id', async () => {
    const p = await sealed(SECRET);
    expect(metaString(p, 'encoding')).toBe(ENCODING);
    expect(metaString(p, 'encryption-key-id')).toBe('key-a');
    expect(Object.keys(p.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
  });

  it('the ciphertext does not contain the plaintext or its original encoding', async () => {
    const p = await sealed(SECRET);
    const data = Buffer.from(p.data ?? new Uint8Array());
    expect(data.includes(Buffer.from('super-secret-token-value'))).toBe(false);
    expect(data.includes(Buffer.from('nats-exchange-1'))).toBe(false);
    expect(data.includes(Buffer.from('json/plain'))).toBe(false);
  });

  it('the same value encrypts differently each time (random IV)', async () => {
    const codec = new EncryptionCodec([keyA]);
    const [a, b] = await codec.encode([toPayload(SECRET), toPayload(SECRET)]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  describe('key rotation', () => {
    it('a decoder with [B, A] decodes what A encoded', async () => {
      const p = await sealed(SECRET, new EncryptionCodec([keyA]));
      const [decoded] = await new EncryptionCodec([keyB, keyA]).decode([p]);
      expect(fromPayload(decoded)).toEqual(SECRET);
    });

    it('a codec with [B, A] encodes with B', async () => {
      const p = await sealed(SECRET, new EncryptionCodec([keyB, keyA]));
      expect(metaString(p, 'encryption-key-id')).toBe('key-b');
      const [decoded] = await new EncryptionCodec([keyB]).decode([p]);
      expect(fromPayload(decoded)).toEqual(SECRET);
    });

    it('a decoder with only B refuses what A encoded, naming the key id', async () => {
      const p = await sealed(SECRET, new EncryptionCodec([keyA]));
      const decode = () => decodeAsync(new EncryptionCodec([keyB]), [p]);
      await expect(decode()).rejects.toThrow(PayloadKeyError);
      await expect(decode()).rejects.toThrow(/key 'key-a', which is not configured/);
    });

    it('a key with the right id but the wrong bytes fails authentication', async () => {
      const p = await sealed(SECRET, new EncryptionCodec([keyA]));
      await expect(decodeAsync(new EncryptionCodec([{ id: 'key-a', key: randomBytes(32) }]), [p])).rejects.toThrow();
    });
  });

  describe('tampering', () => {
    it.each<[string, (data: Buffer) => Buffer]>([
      ['a flipped ciphertext byte', (d) => Buffer.from(d.map((b, i) => (i === 20 ? b ^ 1 : b)))],
      ['a flipped IV byte', (d) => Buffer.from(d.map((b, i) => (i === 0 ? b ^ 1 : b)))],
      ['a flipped auth tag byte', (d) => Buffer.from(d.map((b, i) => (i === d.length - 1 ? b ^ 1 : b)))],
      ['an appended byte', (d) => Buffer.concat([d, Buffer.from([0])])],
    ])('%s makes decode throw', async (_name, tamper) => {
      const p = await sealed(SECRET);
      const bad: Payload = { ...p, data: tamper(Buffer.from(p.data ?? new Uint8Array())) };
      await expect(decodeAsync(new EncryptionCodec([keyA]), [bad])).rejects.toThrow();
    });

    it('a truncated payload is refused as truncated', async () => {
      const p = await sealed(SECRET);
      const bad: Payload = { ...p, data: Buffer.from(p.data ?? new Uint8Array()).subarray(0, 20) };
      await expect(decodeAsync(new EncryptionCodec([keyA]), [bad])).rejects.toThrow(/truncated/);
    });

    it('a payload marked encrypted without a key id is refused', async () => {
      const p = await sealed(SECRET);
      const bad: Payload = { ...p, metadata: { encoding: Buffer.from(ENCODING) } };
      await expect(decodeAsync(new EncryptionCodec([keyA]), [bad])).rejects.toThrow(/key '', which is not configured/);
    });
  });

  it.each<[string, unknown]>([
    ['a JSON payload', { a: 1 }],
    ['a null payload', null],
    ['a binary payload', new Uint8Array([1, 2, 3])],
  ])('%s that is not encrypted passes through decode untouched', async (_name, value) => {
    const p = toPayload(value);
    const [decoded] = await new EncryptionCodec([keyA]).decode([p]);
    expect(decoded).toBe(p);
  });

  it('a payload without metadata passes through decode untouched', async () => {
    const p: Payload = { data: Buffer.from('raw') };
    const [decoded] = await new EncryptionCodec([keyA]).decode([p]);
    expect(decoded).toBe(p);
  });

  it('a codec without keys cannot be built', () => {
    expect(() => new EncryptionCodec([])).toThrow(PayloadKeyError);
  });
});

describe('parseEncryptionKeys', () => {
  const b64 = (n: number) => randomBytes(n).toString('base64');

  it('parses one key', () => {
    const k = randomBytes(32);
    expect(parseEncryptionKeys(`k1:${k.toString('base64')}`)).toEqual([{ id: 'k1', key: k }]);
  });

  it('parses several keys in order, ignoring spaces and empty entries', () => {
    const keys = parseEncryptionKeys(` new:${b64(32)} , ,old:${b64(32)},`);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(keys.every((k) => k.key.length === 32)).toBe(true);
  });

  it('accepts what generateEncryptionKeySpec produces', () => {
    const [k] = parseEncryptionKeys(generateEncryptionKeySpec('gen'));
    expect(k?.id).toBe('gen');
    expect(k?.key.length).toBe(32);
  });

  it.each<[string, string, RegExp]>([
    ['a key of 16 bytes', `k1:${b64(16)}`, /payload key 'k1' must be 32 bytes \(base64\), got 16/],
    ['a key of 33 bytes', `k1:${b64(33)}`, /must be 32 bytes.*got 33/],
    ['an empty key', 'k1:', /must be 32 bytes.*got 0/],
    ['a second key of the wrong length', `k1:${b64(32)},k2:${b64(31)}`, /payload key 'k2' must be 32 bytes/],
    ['duplicate ids', `k1:${b64(32)},k1:${b64(32)}`, /ids must be unique/],
    ['a missing colon', b64(32), /must look like <id>:<base64 of 32 bytes>/],
    ['an empty id', `:${b64(32)}`, /must look like <id>:<base64 of 32 bytes>/],
    ['an empty spec', '', /no payload key configured/],
    ['a spec of only commas and spaces', ' , ,', /no payload key configured/],
  ])('%s is refused', (_name, spec, message) => {
    expect(() => parseEncryptionKeys(spec)).toThrow(PayloadKeyError);
    expect(() => parseEncryptionKeys(spec)).toThrow(message);
  });

  it('an error never contains the key material', () => {
    const material = b64(16);
    let message = '';
    try {
      parseEncryptionKeys(`k1:${material}`);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/must be 32 bytes/);
    expect(message).not.toContain(material);
  });
});

describe('the worker’s codec (requireEncryption)', () => {
  it('refuses a plain payload (an input from someone without the key) and still decodes ours', async () => {
    const strict = new EncryptionCodec([keyA], { requireEncryption: true });
    await expect(decodeAsync(strict, [toPayload(SECRET)])).rejects.toThrow(PayloadKeyError);
    await expect(decodeAsync(strict, [toPayload(SECRET)])).rejects.toThrow(/not encrypted with a configured payload key/);
    const [ok] = await strict.decode([await sealed(SECRET)]);
    expect(fromPayload(ok)).toEqual(SECRET);
  });

  it('refuses a payload sealed with a key it does not hold', async () => {
    const strict = new EncryptionCodec([keyA], { requireEncryption: true });
    await expect(decodeAsync(strict, [await sealed(SECRET, new EncryptionCodec([keyB]))])).rejects.toThrow(/key 'key-b', which is not configured/);
  });

  it('the API’s codec (the Web UI’s codec server) passes plain payloads through', async () => {
    const [p] = await new EncryptionCodec([keyA]).decode([toPayload('plain')]);
    expect(fromPayload(p)).toBe('plain');
  });
});
