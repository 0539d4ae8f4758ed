import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import { parseEncryptionKeys } from '../temporal/encryption-codec.js';

/**
 * The API and the worker must share the payload keys, so neither invents one: scripts/dev.sh generates a key
 * for a development session and passes it to both.
 */
export function requirePayloadKeys(config: Config): string {
  if (!config.payloadKeys) throw new ConfigError('PAYLOAD_KEYS is not set (id:base64 of 32 bytes); `npm run dev` generates one for a development session');
  parseEncryptionKeys(config.payloadKeys);
  return config.payloadKeys;
}
