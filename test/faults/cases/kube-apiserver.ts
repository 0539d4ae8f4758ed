// The target cluster's API server goes away for 30 s right after a deploy was accepted: a cluster of this case's
// own (scripts/cluster.sh), whose kube-apiserver is killed and started again with the same argv (same port, same
// etcd). The deploy's cluster calls fail with "connection refused" and are retried (2, 4, 8, 16, 32 s, then every
// minute); the deploy finishes once the API server is back.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { uniqueName } from '../../support/env.js';
import { eventually } from '../../support/eventually.js';
import { ASYNC, deployBody, expectNoOrphans, http, loadKubeconfig, operationEnd, processGone, seconds, sleep, withCaseDir, withStack } from '../harness.js';
import { helmListAll } from '../orphans.js';
import type { CaseRecord } from '../report.js';

const DOWN_MS = 30_000;
const script = resolve('scripts/cluster.sh');

/** Kills the cluster's kube-apiserver; answers a function that starts it again exactly as it ran. */
async function killApiServer(cluster: string): Promise<() => Promise<void>> {
  const pidFile = join(cluster, 'kube-apiserver.pid');
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '');
  expect(argv[0]).toMatch(/kube-apiserver/);
  process.kill(pid, 'SIGKILL');
  await eventually('the kube-apiserver to be gone', async () => ((await processGone(pid)) ? true : undefined), 10_000, 50);
  return async () => {
    const log = openSync(join(cluster, 'kube-apiserver.log'), 'a');
    // detached = setsid: its own session, as scripts/cluster.sh runs it (and stops it, by the pid file)
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    await writeFile(pidFile, `${child.pid}\n`);
  };
}

export function kubeApiServerOutage(rec: CaseRecord): Promise<void> {
  return withCaseDir('kube', async (dir) => {
    const cluster = join(dir, 'cluster');
    try {
      const c0 = Date.now();
      await execa(script, ['start', cluster]);
      rec.notes.push(`own cluster started in ${seconds(Date.now() - c0)}`);
      const kubeconfigPath = join(cluster, 'kubeconfig.yaml');
      await withStack(dir, {}, async (stack) => {
        const release = uniqueName('f-kube');
        const namespace = uniqueName('ns');
        const started = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig(kubeconfigPath)), ASYNC);
        expect(started.status).toBe(202);
        const restart = await killApiServer(cluster);
        const killedAt = Date.now();
        await sleep(DOWN_MS);
        const handle = stack.client.workflow.getHandle(`exchange-${started.data.system_id as string}`);
        expect((await handle.describe()).status.name).toBe('RUNNING');
        await restart();
        const back = Date.now();
        await eventually('the API server to answer', async () => ((await helmListAll(namespace, kubeconfigPath).catch(() => undefined)) ? true : undefined), 120_000, 500);
        rec.notes.push(`API server down ${seconds(back - killedAt)}, answering ${seconds(Date.now() - back)} after its start`);

        const done = await operationEnd(stack, started.data.status_url as string, 240_000);
        rec.recoverMs = Date.now() - back;
        expect(done).toMatchObject({ status: 'succeeded', operation: 'deploy' });
        rec.outcome = 'deploy succeeded after the API server returned';
        rec.notes.push('time = API server restart to success (the backoff\'s next attempt, then the deploy)');
        const report = await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace], kubeconfigPath, tempDirs: [{ dir }] });
        expect(report.releases).toEqual([`${namespace}/${release}:deployed:1`]);
      });
    } finally {
      await execa(script, ['stop', cluster], { reject: false });
    }
  });
}
