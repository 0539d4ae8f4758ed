// Benchmark harness (not a test): POST /exchange through the whole service against the floor, raw helm on the
// same chart, base values, overrides and cluster, in the same run. N sequential pairs (alternating which goes first,
// so drift hits both alike), then N deploys at concurrency C each way, the memory of the API and the worker, and
// GET /exchange latency over a registry of --records records, on the service's SQLite store and on a second API's
// MongoDB-wire store (FerretDB, TEST_MONGODB_URI). `npm run bench` (scripts/bench.sh) starts the servers:
//   npm run bench -- --sequential 10 --concurrent 10 --concurrency 4 --records 1000 --requests 200 [--processes]
// --processes runs the compiled API and worker (dist/, `npm run build`) as separate processes, for per-process RSS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import axios from 'axios';
import { testKubeconfig } from '../support/cluster.js';
import { testEnv, uniqueName } from '../support/env.js';
import { summarise, workflowSegments, type Segments } from './breakdown.js';
import { listLatency, mongoListLatency } from './list-latency.js';
import { deleteNamespace, rawHelm } from './raw-helm.js';
import { cpuPerDeploy, cpuSnapshot } from './cpu.js';
import { helmDurations, startService } from './service.js';
import { compareRow, parseArgs, pool, stats, table, timed } from './stats.js';

const args = parseArgs(process.argv.slice(2));
const SEQUENTIAL = args.number('sequential', 10);
const CONCURRENT = args.number('concurrent', 10);
const CONCURRENCY = args.number('concurrency', 4);
const RECORDS = args.number('records', 1000);
const REQUESTS = args.number('requests', 200);
const PROCESSES = args.flag('processes');
const HELM_VALUES = { 'config.jetstream.enabled': true };
const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

async function main(): Promise<void> {
  const env = testEnv();
  // the raw run names the version as the service's config does (HELM_CHART_VERSION); helm ignores it for a .tgz
  const chartVersion = /-(\d[^/]*)\.tgz$/.exec(basename(env.chart))?.[1] ?? '2.14.2';
  const service = await startService(PROCESSES, chartVersion);
  const raw = await rawHelm(HELM_VALUES, chartVersion);
  const connection = await Connection.connect({ address: env.temporalAddress });
  const temporal = new Client({ connection, namespace: 'default' });
  const kubeconfig = testKubeconfig();
  const namespace = uniqueName('bench');
  // what exists right now, so the clean-up removes exactly that even when a phase failed half-way
  const rawLive = new Set<string>();
  const serviceLive = new Map<string, string>();
  const deployedBy = new Map<string, { workflowId: string; sentAt: number; answeredAt: number }>();

  const post = async (release: string) => {
    const sentAt = Date.now();
    const { ms, value: r } = await timed(() =>
      http.post(`${service.baseUrl}/exchange`, { kubeconfig, helm_values: HELM_VALUES, release_name: release, org_ids: 'bench', cluster_id: 'bench', name: release, namespace }),
    );
    const answeredAt = Date.now();
    if (r.status !== 200) throw new Error(`POST /exchange ${release}: ${r.status} ${JSON.stringify(r.data)}`);
    serviceLive.set(release, r.data.system_id as string);
    const deployed = { ms, workflowId: r.data.workflow_id as string, sentAt, answeredAt };
    deployedBy.set(release, deployed);
    return deployed;
  };
  const remove = async (release: string) => {
    const sentAt = Date.now();
    const { ms, value: r } = await timed(() => http.delete(`${service.baseUrl}/exchange/${serviceLive.get(release)}`, { data: { kubeconfig, release_name: release, namespace } }));
    const answeredAt = Date.now();
    if (r.status !== 200) throw new Error(`DELETE /exchange ${release}: ${r.status} ${JSON.stringify(r.data)}`);
    serviceLive.delete(release);
    return { ms, workflowId: r.data.workflow_id as string, sentAt, answeredAt };
  };
  const del = async (release: string) => (await remove(release)).ms;
  const rawDeploy = async (release: string) => {
    rawLive.add(release);
    return (await timed(() => raw.deploy(release, namespace))).ms;
  };
  const rawRemove = async (release: string) => {
    const { ms } = await timed(() => raw.uninstall(release, namespace));
    rawLive.delete(release);
    return ms;
  };

  let cleanup: Record<string, unknown> = {};
  try {
    // warm-up, one of each: creates the namespace, loads the chart and the worker's workflow code
    const warmRaw = uniqueName('warm-raw');
    await rawDeploy(warmRaw);
    await rawRemove(warmRaw);
    const warm = uniqueName('warm-svc');
    await post(warm);
    await del(warm);

    const helmBefore = await helmDurations(service.workerMetricsUrl);
    const seq = { raw: [] as number[], service: [] as number[], rawRemove: [] as number[], serviceRemove: [] as number[], pairOverhead: [] as number[] };
    const segments: Segments[] = [];
    const removeSegments: Segments[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const runRaw = async () => {
        const release = uniqueName('seq-raw');
        seq.raw.push(await rawDeploy(release));
        seq.rawRemove.push(await rawRemove(release));
      };
      const runService = async () => {
        const release = uniqueName('seq-svc');
        const d = await post(release);
        seq.service.push(d.ms);
        // read before the DELETE: its workflow runs under the same id
        segments.push(await workflowSegments(temporal, d.workflowId, d.sentAt, d.answeredAt));
        const r = await remove(release);
        seq.serviceRemove.push(r.ms);
        removeSegments.push(await workflowSegments(temporal, r.workflowId, r.sentAt, r.answeredAt));
      };
      if (i % 2 === 0) await runRaw().then(runService);
      else await runService().then(runRaw);
      seq.pairOverhead.push(seq.service[i]! - seq.raw[i]!);
    }
    const helmAfter = await helmDurations(service.workerMetricsUrl);

    const concurrent = async (prefix: string, deploy: (r: string) => Promise<unknown>, remove: (r: string) => Promise<unknown>) => {
      const releases = Array.from({ length: CONCURRENT }, () => uniqueName(prefix));
      const each: number[] = [];
      const cpuBefore = await cpuSnapshot(service.pids, process.env.NED_BENCH_STATE);
      const wall = await timed(() => pool(releases, CONCURRENCY, async (r) => each.push((await timed(() => deploy(r))).ms)));
      const cpu_ms_per_deploy = cpuPerDeploy(cpuBefore, await cpuSnapshot(service.pids, process.env.NED_BENCH_STATE), CONCURRENT);
      await pool(releases, CONCURRENCY, remove);
      return { wall_ms: Math.round(wall.ms), deploy_ms: stats(each), deploys_per_minute: Math.round((CONCURRENT / wall.ms) * 60_000), cpu_ms_per_deploy };
    };
    const concRaw = await concurrent('par-raw', rawDeploy, rawRemove);
    // the concurrent deploys' histories too (read before their removal), to see what waits under load
    const concurrentSegments: Segments[] = [];
    const concService = await concurrent('par-svc', post, async (release) => {
      const d = deployedBy.get(release)!;
      concurrentSegments.push(await workflowSegments(temporal, d.workflowId, d.sentAt, d.answeredAt));
      return del(release);
    });

    const helmAfterConcurrent = await helmDurations(service.workerMetricsUrl);
    // the service's memory after the deploys (the issue's figure), before the list phase fills its store with
    // records and before the second API (in this process without --processes) exists
    const memory = await service.memory();
    const sqliteList = await listLatency(service.baseUrl, RECORDS, REQUESTS);
    const list = { sqlite: sqliteList, mongodb_wire: await mongoListLatency(PROCESSES, chartVersion, RECORDS, REQUESTS) };

    // the helm upgrade processes the worker ran in the sequential phase (ned_helm_duration_seconds, outcome ok)
    const delta = (verb: string, before = helmBefore, after = helmAfter) => {
      const a = after[verb] ?? { count: 0, sum_s: 0 };
      const b = before[verb] ?? { count: 0, sum_s: 0 };
      const n = a.count - b.count;
      return { count: n, mean_ms: n > 0 ? Math.round(((a.sum_s - b.sum_s) / n) * 1000) : 0 };
    };
    const s = { raw: stats(seq.raw), service: stats(seq.service) };
    const report = {
      at: new Date().toISOString(),
      // the load at the end says how much else shared the machine (the figures are noisy on a busy host)
      machine: { cpus: cpus().length, node: process.version, load_average: loadavg().map((x) => Math.round(x * 100) / 100) },
      mode: service.mode,
      options: { sequential: SEQUENTIAL, concurrent: CONCURRENT, concurrency: CONCURRENCY, records: RECORDS, requests: REQUESTS, chart: basename(env.chart), helm_values: HELM_VALUES },
      sequential: {
        raw_helm_deploy_ms: s.raw,
        post_exchange_ms: s.service,
        pair_overhead_ms: stats(seq.pairOverhead),
        raw_helm_uninstall_ms: stats(seq.rawRemove),
        delete_exchange_ms: stats(seq.serviceRemove),
      },
      concurrent: { raw_helm: concRaw, post_exchange: concService },
      memory,
      get_exchange: list,
      breakdown: {
        segments_ms: summarise(segments),
        remove_segments_ms: summarise(removeSegments),
        concurrent_segments_ms: summarise(concurrentSegments),
        helm_in_worker: { upgrade: delta('upgrade'), status: delta('status'), uninstall: delta('uninstall'), pull: delta('pull') },
        helm_in_worker_concurrent: { upgrade: delta('upgrade', helmAfter, helmAfterConcurrent) },
      },
      cleanup,
    };

    const rows = [
      compareRow(`sequential deploy p50 (n=${SEQUENTIAL})`, s.raw.p50, s.service.p50),
      compareRow('sequential deploy p95', s.raw.p95, s.service.p95),
      ['per-pair overhead p50 (POST − raw, same pair)', '', '', '', `${Math.round(stats(seq.pairOverhead).p50)} ms`],
      compareRow(`concurrent wall, ${CONCURRENT} deploys at ${CONCURRENCY}`, concRaw.wall_ms, concService.wall_ms),
      compareRow('sequential remove p50 (uninstall vs DELETE)', stats(seq.rawRemove).p50, stats(seq.serviceRemove).p50),
      ...Object.entries(memory).flatMap(([who, m]) => (!m ? [] : [[`RSS ${who === 'combined' ? 'API+worker+bench (one process)' : `${who} process`} (peak)`, '—', `${m.rss_mb} MB (${m.peak_rss_mb})`, '', '']])),
      ...[list.sqlite, list.mongodb_wire].flatMap((l) => {
        const backend = l.store === 'sqlite' ? 'SQLite' : 'MongoDB-wire';
        return [
          [`GET /exchange p50 / p99 (${RECORDS} records, ${backend})`, '—', `${l.list_all_ms.p50} / ${l.list_all_ms.p99} ms`, '', ''],
          [`GET /exchange?org_id= p50 / p99 (${backend})`, '—', `${l.list_one_org_ms.p50} / ${l.list_one_org_ms.p99} ms`, '', ''],
        ];
      }),
    ];
    const up = report.breakdown.helm_in_worker.upgrade;
    const text = [
      table(['figure', 'raw helm', 'POST /exchange', 'ratio', 'overhead'], rows),
      '',
      `where a POST's time goes (sequential deploys, from the workflow histories; helm upgrade inside the worker: mean ${up.mean_ms} ms over ${up.count}, raw helm mean ${Math.round(s.raw.mean)} ms):`,
      segmentTable(report.breakdown.segments_ms),
      '',
      `the same for the ${CONCURRENT} concurrent deploys (at ${CONCURRENCY}; helm upgrade inside the worker: mean ${report.breakdown.helm_in_worker_concurrent.upgrade.mean_ms} ms, raw helm mean ${Math.round(concRaw.deploy_ms.mean)} ms):`,
      segmentTable(report.breakdown.concurrent_segments_ms),
      '',
      `CPU per deploy in the concurrent phase (ms; 2 busy cores turn CPU into wall time): raw helm ${JSON.stringify(concRaw.cpu_ms_per_deploy)}; POST /exchange ${JSON.stringify(concService.cpu_ms_per_deploy)}`,
      '',
      `where a DELETE's time goes (helm in the worker: status mean ${report.breakdown.helm_in_worker.status.mean_ms} ms, uninstall mean ${report.breakdown.helm_in_worker.uninstall.mean_ms} ms; raw helm uninstall mean ${Math.round(stats(seq.rawRemove).mean)} ms):`,
      segmentTable(report.breakdown.remove_segments_ms),
    ].join('\n');

    cleanup = await cleanUp();
    report.cleanup = cleanup;
    mkdirSync('test-artifacts', { recursive: true });
    const file = `test-artifacts/bench-${report.at.replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`\n${text}\n\nmode: ${service.mode}; MongoDB-wire server: ${list.mongodb_wire.server}; load average ${report.machine.load_average.join(' ')} on ${report.machine.cpus} cpus; cleanup: ${JSON.stringify(cleanup)}\nwritten to ${file}`);
  } finally {
    if (!cleanup.namespace_deleted) await cleanUp().catch((err: unknown) => console.error('clean-up failed:', err));
    await raw.close();
    await connection.close();
    await service.close();
  }

  /** Every release and object the bench created: DELETE for the service's, uninstall for raw ones, then the namespace. */
  async function cleanUp(): Promise<Record<string, unknown>> {
    const exchanges = [...serviceLive.keys()];
    const releases = [...rawLive];
    await pool(exchanges, CONCURRENCY, (r) => del(r));
    await pool(releases, CONCURRENCY, (r) => rawRemove(r));
    // the JetStream claims helm uninstall keeps, and anything else in the namespace, go with it
    const deleted = await deleteNamespace(namespace);
    return { exchanges_deleted: exchanges.length, releases_uninstalled: releases.length, namespace, namespace_deleted: deleted };
  }
}

function segmentTable(rows: ReturnType<typeof summarise>): string {
  return table(['segment', 'p50 ms', 'mean ms', 'max ms'], rows.map((x) => [x.segment, String(Math.round(x.p50)), String(Math.round(x.mean)), String(Math.round(x.max))]));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
