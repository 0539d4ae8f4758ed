// GET /exchange latency over a registry holding many records (the goal: p99 ≤ 20 ms over 10,000). The
// records are written through the registry's own REST API (/backbones) of the API process, as the worker writes
// them; they live in the bench's throwaway store and touch no cluster.
import { randomUUID } from 'node:crypto';
import axios from 'axios';
import { pool, stats, timed, type Stats } from './stats.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });
const ORGS = 20;

export interface ListLatency {
  records: number;
  insert_ms: number;
  /** GET /exchange: the first page (100 records) of everything. */
  list_all_ms: Stats;
  /** GET /exchange?org_id=…: one org's first page (a twentieth of the records match). */
  list_one_org_ms: Stats;
}

export async function listLatency(baseUrl: string, records: number, requests: number): Promise<ListLatency> {
  const insert = await timed(() =>
    pool(Array.from({ length: records }, (_, i) => i), 8, async (i) => {
      const r = await http.post(`${baseUrl}/backbones`, {
        system_id: randomUUID(),
        name: `bench list ${i}`,
        release_name: `list-${i}`,
        namespace: 'bench-list',
        cluster_id: 'bench-list-cluster',
        org_ids: [`bench-org-${i % ORGS}`],
        public_url: `https://bench.example/nats/list-${i}`,
        metadata: { bench: true },
      });
      if (r.status !== 201) throw new Error(`POST /backbones: ${r.status} ${JSON.stringify(r.data)}`);
    }),
  );
  const measure = async (path: string) => {
    // a few unmeasured requests first: connection set-up and the first compile of the query are not the figure
    for (let i = 0; i < 10; i++) await http.get(`${baseUrl}${path}`);
    const samples: number[] = [];
    for (let i = 0; i < requests; i++) {
      const { ms, value } = await timed(() => http.get(`${baseUrl}${path}`));
      if (value.status !== 200) throw new Error(`GET ${path}: ${value.status}`);
      samples.push(ms);
    }
    return stats(samples);
  };
  return {
    records,
    insert_ms: Math.round(insert.ms),
    list_all_ms: await measure('/exchange'),
    list_one_org_ms: await measure('/exchange?org_id=bench-org-7'),
  };
}
