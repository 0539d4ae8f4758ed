import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, parseEncryptionKeys } from './encryption-codec.js';

/** Every payload encrypted, failure messages too; the same for the API's client, the worker and tests. */
export function createDataConverter(payloadKeys: string, opts: { requireEncryption?: boolean } = {}): DataConverter {
  // given as a module path: the worker loads it inside the workflow sandbox as well
  return { payloadCodecs: [createCodec(payloadKeys, opts)], failureConverterPath: siblingModule('failure-converter.cjs') };
}

export function createCodec(payloadKeys: string, opts: { requireEncryption?: boolean } = {}): EncryptionCodec {
  return new EncryptionCodec(parseEncryptionKeys(payloadKeys), opts);
}


function siblingModule(name: string): string {
  const p = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (!existsSync(p)) throw new Error(`${p} not found (npm run build copies it into dist/)`);
  return p;
}
