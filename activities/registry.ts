// The Backbone Registry calls. One retry owner: the client makes one HTTP call per activity attempt and Temporal
// retries; conflicts and other 4xx are final at once, anything else is retried until the retry window (counted
// from the first attempt) is used up, and each failed attempt tells the workflow what it is waiting for.
import { ApplicationFailure } from '@temporalio/common';
import type { BackboneRecord, NewBackbone } from '../src/registry/types.js';
import { FailureType } from '../workflows/shared.js';
import { inActivity, reportToWorkflow } from './context.js';
import { DEFAULT_REGISTRY_RETRY_WINDOW_MS } from './deps.js';
import type { ActivityKit } from './kit.js';

export function createRegistryActivities(kit: ActivityKit) {
  const { registry } = kit.deps;
  const windowMs = kit.deps.registryRetryWindowMs ?? DEFAULT_REGISTRY_RETRY_WINDOW_MS;

  function registryFailure(err: unknown, what: string): ApplicationFailure {
    const e = err as { message?: string; retryable?: boolean; code?: string };
    const reason = e.message ?? String(err);
    const message = `registry ${what} failed: ${reason}`;
    if (e.code === 'conflict') return ApplicationFailure.nonRetryable(message, FailureType.registryConflict);
    if (e.retryable === false) return ApplicationFailure.nonRetryable(message, FailureType.registryRejected);
    const info = inActivity()?.info;
    if (info) {
      const elapsed = kit.fx.clock() - info.scheduledTimestampMs;
      if (elapsed >= windowMs) {
        return ApplicationFailure.nonRetryable(
          `${message} (gave up after ${info.attempt} attempts over ${Math.round(elapsed / 1000)} s, the retry window)`,
          FailureType.registryUnavailable,
        );
      }
      reportToWorkflow(`waiting for the registry (attempt ${info.attempt}, last error: ${reason.slice(0, 200)})`);
    }
    return ApplicationFailure.retryable(message, FailureType.registryUnavailable);
  }

  return {
    async registerBackbone(rec: NewBackbone): Promise<BackboneRecord> {
      try {
        return await registry.createBackbone(rec);
      } catch (err) {
        throw registryFailure(err, 'register');
      }
    },

    /** A record that is already gone is success. */
    async deregisterBackbone(systemId: string): Promise<{ deleted: boolean }> {
      try {
        return { deleted: await registry.deleteBackbone(systemId) };
      } catch (err) {
        throw registryFailure(err, 'deregister');
      }
    },
  };
}
