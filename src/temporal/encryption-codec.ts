// Temporal stores every workflow input and result in its history, readable by anyone with Web UI access. The
// kubeconfigs this service carries are cluster credentials, so every payload is sealed with AES-256-GCM before
// it leaves the process. The key id travels in the payload metadata so keys can rotate: the first key
// encrypts, every configured key decrypts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// @temporalio/proto is CommonJS: its namespace is reached through the default export under ESM
import proto from '@temporalio/proto';

const { temporal } = proto;

export const ENCODING = 'binary/encrypted';
const METADATA_ENCODING_KEY = 'encoding';
const METADATA_KEY_ID = 'encryption-key-id';
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export class PayloadKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadKeyError';
  }
}

/** Parses `id:base64key[,id:base64key…]`; each key must be 32 bytes. */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const sep = entry.indexOf(':');
      if (sep <= 0) throw new PayloadKeyError('each payload key must look like <id>:<base64 of 32 bytes>');
      const id = entry.slice(0, sep);
      const key = Buffer.from(entry.slice(sep + 1), 'base64');
      if (key.length !== 32) throw new PayloadKeyError(`payload key '${id}' must be 32 bytes (base64), got ${key.length}`);
      return { id, key };
    });
  if (keys.length === 0) throw new PayloadKeyError('no payload key configured');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new PayloadKeyError('payload key ids must be unique');
  return keys;
}

export function generateEncryptionKeySpec(id = `dev-${Date.now().toString(36)}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: EncryptionKey;

  /**
   * @param opts.requireEncryption the worker's setting: a payload that is not encrypted with one of our keys is
   * refused, so whoever can reach the Temporal frontend cannot hand the worker inputs (kubeconfigs to act with)
   */
  constructor(
    keys: EncryptionKey[],
    private readonly opts: { requireEncryption?: boolean } = {},
  ) {
    const [first] = keys;
    if (!first) throw new PayloadKeyError('no payload key configured');
    this.current = first;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((payload) => {
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const iv = randomBytes(IV_LENGTH);
        const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
        const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: {
            [METADATA_ENCODING_KEY]: Buffer.from(ENCODING),
            [METADATA_KEY_ID]: Buffer.from(this.current.id),
          },
          data: sealed,
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || Buffer.from(encoding).toString() !== ENCODING) {
          if (this.opts.requireEncryption) throw new PayloadKeyError('refusing a payload that is not encrypted with a configured payload key');
          return payload;
        }
        const keyIdRaw = payload.metadata?.[METADATA_KEY_ID];
        const keyId = keyIdRaw ? Buffer.from(keyIdRaw).toString() : '';
        const key = this.byId.get(keyId);
        if (!key) throw new PayloadKeyError(`payload was encrypted with key '${keyId}', which is not configured`);
        const data = Buffer.from(payload.data ?? new Uint8Array());
        if (data.length < IV_LENGTH + TAG_LENGTH) throw new PayloadKeyError('encrypted payload is truncated');
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_LENGTH));
        decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_LENGTH, data.length - TAG_LENGTH)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain);
      }),
    );
  }
}
