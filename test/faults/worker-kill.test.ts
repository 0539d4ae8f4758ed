// A worker SIGKILLed while its helm runs: (a) helm dies with it (setpriv --pdeathsig) and a restarted worker
// finishes the deploy; (b) helm survives it (no setpriv on the worker's PATH: a true orphan) and the deploy still
// finishes once; (c) two workers on one task queue, the one running helm is killed, the other finishes it.
// The deploys wait for pods that never become Ready, so helm is mid-flight when the worker dies; the worker that
// finishes runs helm without --wait.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { helmHistory } from '../support/cluster.js';
import { NEVER_READY, uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';
import { ASYNC, deployBody, expectNoOrphans, helmUpgradePid, http, loadKubeconfig, operationEnd, processGone, seconds, sleep, startWorkerProcess, targetBody } from './harness.js';
import { helmListAll, kubeconfigDirsIn } from './orphans.js';
import { faultCase, type CaseRecord } from './report.js';

interface Setup {
  stack: Stack;
  dir: string;
  workers: ResultPromise[];
  /** helm processes this case left running on purpose (the orphan), killed at the end if still there. */
  strays: number[];
}

const setups: Setup[] = [];

async function setUp(): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'ned-faults-kill-'));
  // every worker of the case, in-process or not, writes its kubeconfig dirs into the case's dir
  const s: Setup = { stack: await startStack({ worker: false, kubeconfigTempDir: dir }), dir, workers: [], strays: [] };
  setups.push(s);
  return s;
}

afterAll(async () => {
  for (const s of setups) {
    for (const w of s.workers) w.kill('SIGKILL');
    for (const pid of s.strays) if (!(await processGone(pid))) process.kill(pid, 'SIGKILL');
    await Promise.all(s.workers.map((w) => w.catch(() => undefined)));
    await s.stack.close();
    await rm(s.dir, { recursive: true, force: true });
  }
});

/** Starts a NEVER_READY deploy on the stack's queue and waits until its helm upgrade runs and the release exists. */
async function deployMidHelm(s: Setup, prefix: string) {
  const release = uniqueName(prefix);
  const namespace = uniqueName('ns');
  const started = await http.post(`${s.stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig(), NEVER_READY), ASYNC);
  expect(started.status).toBe(202);
  const helmPid = await helmUpgradePid(release);
  await eventually('the release to exist', async () => ((await helmListAll(namespace)).some((r) => r.name === release) ? true : undefined), 60_000);
  return { release, namespace, helmPid, statusUrl: started.data.status_url as string, systemId: started.data.system_id as string };
}

/** The deploy ended once and well: succeeded, one deployed revision that stays the only one, one record. */
async function expectFinishedOnce(rec: CaseRecord, s: Setup, d: Awaited<ReturnType<typeof deployMidHelm>>, killedAt: number) {
  const done = await operationEnd(s.stack, d.statusUrl, 150_000);
  rec.recoverMs = Date.now() - killedAt;
  expect(done).toMatchObject({ status: 'succeeded', operation: 'deploy' });
  const history = await helmHistory(d.release, d.namespace);
  await sleep(3_000);
  expect(await helmHistory(d.release, d.namespace)).toEqual(history);
  expect(history[history.length - 1]!.status).toBe('deployed');
  expect(await s.stack.store.get(d.systemId)).not.toBeNull();
  rec.notes.push(`helm history: ${history.map((h) => `${h.revision} ${h.status}`).join(', ')}`);
  return history;
}

describe('a worker SIGKILLed while its helm runs', () => {
  it('(a) takes its helm with it; a restarted worker finishes the deploy once and sweeps the dead one\'s kubeconfig', async () => {
    await faultCase('worker SIGKILL mid-helm (a): helm dies with it', async (rec) => {
      const s = await setUp();
      const first = startWorkerProcess(s.stack, { tempDir: s.dir });
      s.workers.push(first);
      const d = await deployMidHelm(s, 'f-kill');
      const killedAt = Date.now();
      process.kill(first.pid!, 'SIGKILL');
      await eventually('helm to be gone', async () => ((await processGone(d.helmPid)) ? true : undefined), 5_000, 20);
      rec.notes.push(`helm gone ${Date.now() - killedAt} ms after the SIGKILL`);
      expect(Date.now() - killedAt).toBeLessThan(1_000);
      await first;
      // the dead worker's kubeconfig (credentials) is on disk until a worker starts in that dir
      const left = await kubeconfigDirsIn(s.dir);
      expect(left).toHaveLength(1);
      const restarted = startWorkerProcess(s.stack, { tempDir: s.dir, helmWait: 'none' });
      s.workers.push(restarted);
      await expectFinishedOnce(rec, s, d, killedAt);
      rec.outcome = 'deploy succeeded on the restarted worker';
      rec.notes.push('time = SIGKILL to success (10 s heartbeat timeout, worker start, pending-install cleared, install)');
      await expectNoOrphans(rec, { store: s.stack.store, namespaces: [d.namespace], tempDirs: [{ dir: s.dir }] });
    });
  }, 240_000);

  it('(b) leaves an orphaned helm when setpriv is missing; the deploy still finishes once, nothing left pending', async () => {
    await faultCase('worker SIGKILL mid-helm (b): helm orphaned', async (rec) => {
      const s = await setUp();
      // no setpriv on PATH: helm runs without a parent-death signal (its own process group, as always)
      const first = startWorkerProcess(s.stack, { tempDir: s.dir, path: '/nonexistent-ned-faults', helmTimeoutSeconds: 45 });
      s.workers.push(first);
      const d = await deployMidHelm(s, 'f-orphan');
      s.strays.push(d.helmPid);
      const killedAt = Date.now();
      process.kill(first.pid!, 'SIGKILL');
      await first;
      await sleep(1_000);
      // a true orphan: the worker is gone, its helm still runs (reparented)
      expect(await processGone(d.helmPid)).toBe(false);
      const restarted = startWorkerProcess(s.stack, { tempDir: s.dir, helmWait: 'none' });
      s.workers.push(restarted);
      await expectFinishedOnce(rec, s, d, killedAt);
      const orphanAlive = !(await processGone(d.helmPid));
      rec.notes.push(`orphaned helm ${orphanAlive ? 'still running' : 'already gone'} when the deploy succeeded`);
      // the orphan gives up at its --timeout (45 s: after the restarted worker re-installed) and writes its verdict on the release
      await eventually('the orphaned helm to exit', async () => ((await processGone(d.helmPid)) ? true : undefined), 90_000, 250);
      rec.notes.push(`orphan exited ${seconds(Date.now() - killedAt)} after the SIGKILL`);
      const after = await helmHistory(d.release, d.namespace);
      const last = after[after.length - 1]!;
      rec.notes.push(`after the orphan: ${after.map((h) => `${h.revision} ${h.status}`).join(', ')}`);
      await expectNoOrphans(rec, { store: s.stack.store, namespaces: [d.namespace], tempDirs: [{ dir: s.dir }] });
      // what a caller meets next: a PUT reads the last deployed revision
      const put = await http.put(`${s.stack.baseUrl}/exchange/${d.systemId}`, targetBody(d.release, d.namespace, loadKubeconfig(), { 'statefulSet.merge.metadata.annotations.fault-rev': '1' }));
      rec.notes.push(`a PUT afterwards: ${put.status}${put.data.error_type ? ` ${String(put.data.error_type)}` : ''}`);
      if (last.status === 'deployed') {
        rec.outcome = 'deploy succeeded once; the orphan ran to its timeout harmlessly';
        expect(put.status).toBe(200);
      } else {
        // KNOWN DEFECT (reported): the orphan's --wait times out after the retry re-installed the release, and helm
        // writes its verdict over the new revision 1. Only without setpriv (pdeathsig prevents the orphan).
        rec.outcome = 'DEFECT: deploy succeeded once, then the orphan rewrote revision 1 as failed';
        expect(last).toMatchObject({ revision: 1, status: 'failed', description: expect.stringMatching(/not ready|deadline exceeded/) });
      }
    });
  }, 300_000);
});

describe('two workers on one task queue', () => {
  it('the one running helm is SIGKILLed; the other finishes the deploy (heartbeat timeout, then retry)', async () => {
    await faultCase('2 workers, the one running helm SIGKILLed', async (rec) => {
      const s = await setUp();
      const victim = startWorkerProcess(s.stack, { tempDir: s.dir });
      s.workers.push(victim);
      const d = await deployMidHelm(s, 'f-two');
      // the second worker polls the same queue before the first dies
      await s.stack.startWorker({ helmWait: 'none' });
      const killedAt = Date.now();
      process.kill(victim.pid!, 'SIGKILL');
      await victim;
      await expectFinishedOnce(rec, s, d, killedAt);
      rec.outcome = 'deploy succeeded on the surviving worker';
      // the survivor does not sweep: the victim's kubeconfig stays until a worker (re)starts in its dir
      const left = await kubeconfigDirsIn(s.dir);
      rec.notes.push(`${left.length} kubeconfig dir of the killed worker left until its restart swept it`);
      const restarted = startWorkerProcess(s.stack, { tempDir: s.dir, helmWait: 'none' });
      s.workers.push(restarted);
      await eventually('the restarted worker to sweep', async () => ((await kubeconfigDirsIn(s.dir)).length === 0 ? true : undefined), 60_000);
      await expectNoOrphans(rec, { store: s.stack.store, namespaces: [d.namespace], tempDirs: [{ dir: s.dir }] });
    });
  }, 240_000);
});
