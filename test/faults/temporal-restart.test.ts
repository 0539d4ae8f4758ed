// The Temporal server goes away for 20 s while a deploy runs (its helm upgrade has started): a dev server of this
// case's own, with a persistent database and a fixed port, is stopped and started again. The workflow resumes
// from its history and finishes; the worker and the API reconnect by themselves.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { helmHistory } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { startStack, type Stack } from '../support/stack.js';
import { ASYNC, deployBody, expectNoOrphans, freePort, helmUpgradePid, http, loadKubeconfig, operationEnd, seconds, sleep } from './harness.js';
import { faultCase } from './report.js';

const DOWN_MS = 20_000;
const script = resolve('scripts/temporal-dev.sh');

describe('the Temporal server stopped for 20 s mid-workflow', () => {
  let dir: string | undefined;
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.close().catch(() => undefined);
    if (dir) {
      await execa(script, ['stop', join(dir, 'temporal')], { reject: false });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resumes after the restart: the deploy succeeds once, nothing left over', async () => {
    await faultCase('Temporal server down 20 s mid-deploy', async (rec) => {
      dir = await mkdtemp(join(tmpdir(), 'ned-faults-temporal-'));
      const port = await freePort();
      const args = [join(dir, 'temporal'), '--headless', '--db', join(dir, 'temporal.db'), '--port', String(port)];
      await execa(script, ['start', ...args]);
      stack = await startStack({ temporalAddress: `127.0.0.1:${port}` });
      const release = uniqueName('f-temporal');
      const namespace = uniqueName('ns');
      const started = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig()), ASYNC);
      expect(started.status).toBe(202);
      await helmUpgradePid(release);

      const t0 = Date.now();
      await execa(script, ['stop', join(dir, 'temporal')]);
      rec.notes.push(`stopped ${seconds(Date.now() - t0)} after helm upgrade started`);
      await sleep(DOWN_MS);
      await execa(script, ['start', ...args]);
      const back = Date.now();
      rec.notes.push(`down ${seconds(back - t0)} in all (restart included)`);

      const done = await operationEnd(stack, started.data.status_url as string, 180_000);
      rec.recoverMs = Date.now() - back;
      expect(done).toMatchObject({ status: 'succeeded', operation: 'deploy' });
      rec.outcome = 'deploy succeeded after the restart';
      const history = await helmHistory(release, namespace);
      rec.notes.push(`helm history: ${history.map((h) => `${h.revision} ${h.status}`).join(', ')}`);
      expect(history[history.length - 1]!.status).toBe('deployed');
      await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace] });
      expect((await stack.store.list({ namespace }, { limit: 10 })).items).toHaveLength(1);
    });
  }, 300_000);
});
