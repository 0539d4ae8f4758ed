// A cluster "server" that accepts connections and never answers (a tarpit, a loopback listener this test starts):
// every call the worker makes has a client-side bound, the operation says what it waits for within that bound,
// the worker stays responsive throughout, and the caller can cancel it.
import { createServer, type Server, type Socket } from 'node:net';
import axios from 'axios';
import { testKubeconfig } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { exchangeBody, targetBody } from '../support/requests.js';
import { startStack, type Stack } from '../support/stack.js';
import { watchingWorker } from '../support/worker-metrics.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

describe('a cluster that accepts and never answers', () => {
  let stack: Stack;
  let tarpit: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    stack = await startStack();
    tarpit = createServer((s) => {
      sockets.push(s); // hold it open, say nothing
    });
    await new Promise<void>((ok) => tarpit.listen(0, '127.0.0.1', ok));
    port = (tarpit.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((ok) => tarpit.close(() => ok()));
    await stack?.close();
  });

  it('is reported within one 10 s call bound, never stalls the worker, and the deploy can be cancelled', async () => {
    const kubeconfig = structuredClone(testKubeconfig()) as { clusters: Array<{ cluster: Record<string, unknown> }> };
    kubeconfig.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`;
    const release = uniqueName('nats-tarpit');
    const namespace = uniqueName('ns');
    const started = await http.post(`${stack.baseUrl}/exchange`, { ...exchangeBody(release, namespace), kubeconfig }, { headers: { Prefer: 'respond-async' } });
    expect(started.status).toBe(202);

    // the worker's metrics endpoint answers within 1 s the whole time (failures collected, asserted at the end)
    const watched = await watchingWorker(stack.workerMetricsUrl, reportedAndCancelled, 250);
    expect(watched.errors).toEqual([]);
    expect(watched.slowestMs).toBeLessThan(1_000);

    async function reportedAndCancelled(): Promise<void> {
      const t0 = Date.now();
      const waiting = await eventually('the status to say it waits for the cluster', async () => {
        const r = await http.get(`${stack.baseUrl}${started.data.status_url}`);
        return typeof r.data.detail === 'string' && r.data.detail.startsWith('waiting for the cluster') ? r.data : undefined;
      }, 30_000, 250);
      expect(Date.now() - t0).toBeLessThan(25_000); // one call's 10 s bound plus workflow round trips
      expect(waiting.detail).toMatch(/no answer within 10000 ms/);
      expect(waiting).toMatchObject({ status: 'running', step: 'helm-install' });

      const cancelled = await http.post(`${stack.baseUrl}/exchange/${started.data.system_id as string}/cancel`, { ...targetBody(release, namespace), kubeconfig });
      expect(cancelled.status).toBe(200);
      expect(cancelled.data).toMatchObject({ cancelled_operation: 'deploy', status: 'cancelled' });
    }
  });
});
