import { randomUUID } from 'node:crypto';
import type { NewBackbone } from '../../../src/registry/types.js';

let seq = 0;

/** A valid, unique backbone; overrides win. */
export function newBackbone(overrides: Partial<NewBackbone> = {}): NewBackbone {
  seq += 1;
  return {
    system_id: randomUUID(),
    name: `exchange-${seq}`,
    release_name: `nats-${seq}`,
    namespace: 'nats',
    cluster_id: 'cluster-a',
    org_ids: ['org1', 'org2'],
    public_url: `nats://exchange-${seq}.example.com:4222`,
    metadata: { tier: 'gold' },
    ...overrides,
  };
}

/** expect.any(String), typed so it can sit inside typed object literals. */
export const anyString = expect.any(String) as string;
