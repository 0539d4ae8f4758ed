// Watching the worker while something hostile runs: its /metrics endpoint polled at an interval (bounded in count),
// the slowest answer, any failed poll, and its resident memory before and at most during.
import axios from 'axios';

const http = axios.create({ validateStatus: () => true });

/** The process's resident size from a Prometheus text answer (prom-client's default metric, labelled), or 0. */
export const rssOf = (metrics: string): number => Number(/^ned_process_resident_memory_bytes(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1] ?? 0);

export interface WorkerWatch<T> {
  result: T;
  slowestMs: number;
  baseRss: number;
  maxRss: number;
  errors: string[];
}

/** Runs `act` while polling `metricsUrl` every `everyMs` (at most 3,000 polls); the figures include the last poll. */
export async function watchingWorker<T>(metricsUrl: string, act: () => Promise<T>, everyMs = 200): Promise<WorkerWatch<T>> {
  const baseRss = rssOf(String((await http.get(metricsUrl, { timeout: 5000 })).data));
  let slowestMs = 0;
  let maxRss = 0;
  let polling = true;
  const errors: string[] = [];
  const poller = (async () => {
    for (let i = 0; polling && i < 3000; i++) {
      const t = Date.now();
      try {
        const r = await http.get(metricsUrl, { timeout: 5000 });
        maxRss = Math.max(maxRss, rssOf(String(r.data)));
        if (r.status !== 200) errors.push(`HTTP ${r.status}`);
      } catch (err) {
        errors.push((err as Error).message);
      }
      slowestMs = Math.max(slowestMs, Date.now() - t);
      await new Promise((ok) => setTimeout(ok, everyMs));
    }
  })();
  let result: T;
  try {
    result = await act();
  } finally {
    polling = false;
    await poller;
  }
  return { result, slowestMs, baseRss, maxRss, errors };
}
