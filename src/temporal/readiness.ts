import { Connection } from '@temporalio/client';

/**
 * Temporal's health check on a connection of its own, without the client's retry interceptor and with a
 * deadline: a readiness probe must answer "no" quickly, and a retried call must not outlive the connection.
 */
export function temporalReadiness(address: string, timeoutMs = 2000): { check: () => Promise<unknown>; close: () => Promise<void> } {
  const connection = Connection.lazy({ address, interceptors: [] });
  return {
    check: () => connection.withDeadline(Date.now() + timeoutMs, () => connection.healthService.check({})),
    close: () => connection.close(),
  };
}
