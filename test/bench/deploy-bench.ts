// Benchmark harness (not a test): deploy and remove latency through the whole real path, sequential and
// concurrent, and the process memory it took. Run with `npm run bench` (scripts/bench.sh starts the servers).
//   npm run bench -- --sequential 10 --concurrent 10
import { mkdirSync, writeFileSync } from 'node:fs';
import axios from 'axios';
import { testKubeconfig } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { startStack } from '../support/stack.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SEQUENTIAL = opt('sequential', 10);
const CONCURRENT = opt('concurrent', 10);
const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { n: s.length, min: s[0] ?? 0, p50: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? 0, mean: Math.round(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const stack = await startStack();
  const kubeconfig = testKubeconfig();
  const namespace = uniqueName('bench');
  const deploy = async (release: string) => {
    const t = performance.now();
    const r = await http.post(`${stack.baseUrl}/exchange`, {
      kubeconfig,
      helm_values: { 'config.jetstream.enabled': true },
      release_name: release,
      org_ids: 'bench',
      cluster_id: 'bench',
      name: release,
      namespace,
    });
    if (r.status !== 200) throw new Error(`deploy ${release}: ${r.status} ${JSON.stringify(r.data)}`);
    return { ms: performance.now() - t, id: r.data.system_id as string };
  };
  const remove = async (release: string, id: string) => {
    const t = performance.now();
    const r = await http.delete(`${stack.baseUrl}/exchange/${id}`, { data: { kubeconfig, release_name: release, namespace } });
    if (r.status !== 200) throw new Error(`remove ${release}: ${r.status}`);
    return performance.now() - t;
  };

  try {
    const before = process.memoryUsage();
    // one warm-up round: the first deploy also creates the namespace
    const warm = uniqueName('warm');
    await remove(warm, (await deploy(warm)).id);

    const seqDeploy: number[] = [];
    const seqRemove: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const release = uniqueName('seq');
      const d = await deploy(release);
      seqDeploy.push(d.ms);
      seqRemove.push(await remove(release, d.id));
    }

    const releases = Array.from({ length: CONCURRENT }, () => uniqueName('par'));
    const t0 = performance.now();
    const deployed = await Promise.all(releases.map((r) => deploy(r)));
    const concurrentWall = performance.now() - t0;
    const t1 = performance.now();
    await Promise.all(releases.map((r, i) => remove(r, deployed[i]!.id)));
    const concurrentRemoveWall = performance.now() - t1;
    const after = process.memoryUsage();

    const report = {
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      sequential: { deploy_ms: stats(seqDeploy), remove_ms: stats(seqRemove) },
      concurrent: {
        n: CONCURRENT,
        deploy_ms: stats(deployed.map((d) => d.ms)),
        deploy_wall_ms: Math.round(concurrentWall),
        deploys_per_minute: Math.round((CONCURRENT / concurrentWall) * 60_000),
        remove_wall_ms: Math.round(concurrentRemoveWall),
      },
      memory_mb: { rss_before: mb(before.rss), rss_after: mb(after.rss), heap_used_after: mb(after.heapUsed) },
    };
    for (const k of ['min', 'p50', 'p95', 'max', 'mean'] as const) {
      report.sequential.deploy_ms[k] = Math.round(report.sequential.deploy_ms[k]);
      report.sequential.remove_ms[k] = Math.round(report.sequential.remove_ms[k]);
      report.concurrent.deploy_ms[k] = Math.round(report.concurrent.deploy_ms[k]);
    }
    mkdirSync('test-artifacts', { recursive: true });
    const file = `test-artifacts/bench-${report.at.replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(JSON.stringify(report, null, 2));
    console.log(`written to ${file}`);
  } finally {
    await stack.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
