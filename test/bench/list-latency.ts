// GET /exchange latency over a registry holding many records (the goal: p99 ≤ 20 ms over 10,000, on SQLite
// and on MongoDB-wire). The records are written through the registry's own REST API (/backbones) of the API process,
// as the worker writes them; they live in the bench's throwaway store and touch no cluster.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import axios from 'axios';
import { MongoClient } from 'mongodb';
import { requireEnv } from '../support/env.js';
import { startMongoApi } from './service.js';
import { pool, stats, timed, type Stats } from './stats.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });
const ORGS = 20;

export interface ListLatency {
  /** The API's registry store, and for MongoDB-wire the server that answered (FerretDB in the bench). */
  store: 'sqlite' | 'mongodb-wire';
  server?: string;
  records: number;
  insert_ms: number;
  /** GET /exchange: the first page (100 records) of everything. */
  list_all_ms: Stats;
  /** GET /exchange?org_id=…: one org's first page (a twentieth of the records match). */
  list_one_org_ms: Stats;
  /** The machine's load when the measurement ended (1, 5, 15 min). */
  load_average: number[];
}

export async function listLatency(baseUrl: string, records: number, requests: number, store: ListLatency['store'] = 'sqlite'): Promise<ListLatency> {
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
    store,
    records,
    insert_ms: Math.round(insert.ms),
    list_all_ms: await measure('/exchange'),
    list_one_org_ms: await measure('/exchange?org_id=bench-org-7'),
    load_average: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * The same through a second API whose store is the MongoDB-wire server of TEST_MONGODB_URI (scripts/services.sh
 * starts FerretDB), in a database of its own that is dropped afterwards.
 */
export async function mongoListLatency(processes: boolean, chartVersion: string, records: number, requests: number): Promise<ListLatency> {
  const uri = requireEnv('TEST_MONGODB_URI');
  const dbName = `ned_bench_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const client = new MongoClient(uri);
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const server = info.ferretdbVersion ? `FerretDB ${String(info.ferretdbVersion)}` : `MongoDB ${String(info.version)}`;
    const api = await startMongoApi(processes, chartVersion, uri, dbName);
    try {
      return { ...(await listLatency(api.baseUrl, records, requests, 'mongodb-wire')), server };
    } finally {
      await api.close();
    }
  } finally {
    await client.db(dbName).dropDatabase();
    await client.close();
  }
}
