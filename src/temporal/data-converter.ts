import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, parseEncryptionKeys } from './encryption-codec.js';

/** The one data converter used by the API's client, the worker and the tests: every payload encrypted. */
export function createDataConverter(payloadKeys: string): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(parseEncryptionKeys(payloadKeys))] };
}
