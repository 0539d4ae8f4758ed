// registerBackbone / deregisterBackbone in MockActivityEnvironment over a fake registry and an injected clock:
// conflicts and refusals are final at once, anything else is retried until the retry window, counted from the
// activity's first scheduling, is used up.
import type { NewBackbone } from '../../../src/registry/types.js';
import { FailureType } from '../../../workflows/shared.js';
import { failureOf, harness, PUBLIC_URL, SYSTEM_ID, type Harness } from './fakes.js';

const SCHEDULED = Date.UTC(2025, 2, 1, 10, 0, 0);
const WINDOW_MS = 5 * 60_000;

let h: Harness;
beforeEach(async () => {
  h = await harness({ registryRetryWindowMs: WINDOW_MS });
  h.clock.now = SCHEDULED + 30_000;
});
afterEach(() => h.dispose());

const rec: NewBackbone = {
  system_id: SYSTEM_ID,
  name: 'orders',
  release_name: 'orders',
  namespace: 'communication',
  cluster_id: 'c-eu-1',
  org_ids: ['org-1'],
  public_url: PUBLIC_URL,
  metadata: {},
};
const register = (attempt = 1) => h.runAt({ attempt, scheduledTimestampMs: SCHEDULED }, h.acts.registerBackbone, rec);
const deregister = (attempt = 1) => h.runAt({ attempt, scheduledTimestampMs: SCHEDULED }, h.acts.deregisterBackbone, SYSTEM_ID);

describe('registry activities', () => {
  it('registerBackbone answers the stored record; deregisterBackbone whether one was deleted', async () => {
    expect(await register()).toEqual({ ...rec, created_at: '2025-01-02T03:04:05Z' });
    expect(await deregister()).toEqual({ deleted: true });
    h.registry.registry.deleteBackbone = () => Promise.resolve(false);
    expect(await deregister()).toEqual({ deleted: false });
    expect(h.registry.calls).toEqual([`create ${SYSTEM_ID}`, `delete ${SYSTEM_ID}`]);
  });

  it('a conflict is RegistryConflict, final', async () => {
    h.registry.error = Object.assign(new Error('system_id ex-7f3a exists with other attributes'), { code: 'conflict', retryable: false });
    const err = await failureOf(register());
    expect(err.type).toBe(FailureType.registryConflict);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe('registry register failed: system_id ex-7f3a exists with other attributes');
  });

  it('another refusal ({retryable: false}) is RegistryRejected, final', async () => {
    h.registry.error = Object.assign(new Error('HTTP 400: org_ids must not be empty'), { retryable: false });
    const err = await failureOf(deregister());
    expect(err.type).toBe(FailureType.registryRejected);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe('registry deregister failed: HTTP 400: org_ids must not be empty');
  });

  it.each([
    ['a retryable error', Object.assign(new Error('HTTP 503'), { retryable: true })],
    ['an error that says nothing', new Error('socket hang up')],
    ['a thrown string', 'ECONNREFUSED'],
  ])('%s inside the retry window is a retryable RegistryUnavailable', async (_name, error) => {
    h.registry.error = error;
    h.clock.now = SCHEDULED + WINDOW_MS - 1;
    const err = await failureOf(register(3));
    expect(err.type).toBe(FailureType.registryUnavailable);
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toBe(`registry register failed: ${error instanceof Error ? error.message : error}`);
  });

  it.each([
    ['register', register],
    ['deregister', deregister],
  ])('%s: once the clock is past the retry window the failure is final and says so', async (what, run) => {
    h.registry.error = Object.assign(new Error('HTTP 503'), { retryable: true });
    h.clock.now = SCHEDULED + WINDOW_MS;
    const err = await failureOf(run(7));
    expect(err.type).toBe(FailureType.registryUnavailable);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe(`registry ${what} failed: HTTP 503 (gave up after 7 attempts over 300 s, the retry window)`);
  });

  it('the window is the configured one, 10 minutes by default', async () => {
    const defaults = await harness();
    try {
      defaults.registry.error = new Error('HTTP 502');
      const at = (ms: number) => {
        defaults.clock.now = SCHEDULED + ms;
        return failureOf(defaults.runAt({ attempt: 2, scheduledTimestampMs: SCHEDULED }, defaults.acts.registerBackbone, rec));
      };
      expect((await at(WINDOW_MS + 1)).nonRetryable).toBe(false);
      const final = await at(10 * 60_000);
      expect(final.nonRetryable).toBe(true);
      expect(final.message).toMatch(/over 600 s, the retry window/);
    } finally {
      await defaults.dispose();
    }
  });
});
