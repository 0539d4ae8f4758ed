// The Temporal server goes away for 20 s while a deploy runs (its helm upgrade has started): a dev server of this
// case's own, with a persistent database and a fixed port, is stopped and started again. The workflow resumes
// from its history and finishes; the worker and the API reconnect by themselves.
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { helmHistory } from '../../support/cluster.js';
import { uniqueName } from '../../support/env.js';
import { ASYNC, deployBody, expectNoOrphans, freePort, helmUpgradePid, http, loadKubeconfig, operationEnd, seconds, sleep, withCaseDir, withStack } from '../harness.js';
import type { CaseRecord } from '../report.js';

const DOWN_MS = 20_000;
const script = resolve('scripts/temporal-dev.sh');

export function temporalRestart(rec: CaseRecord): Promise<void> {
  return withCaseDir('temporal', async (dir) => {
    const state = join(dir, 'temporal');
    // a fixed port and a database file: the server that comes back is the same server
    const port = await freePort();
    const args = [state, '--headless', '--db', join(dir, 'temporal.db'), '--port', String(port)];
    try {
      await execa(script, ['start', ...args]);
      await withStack(dir, { temporalAddress: `127.0.0.1:${port}` }, async (stack) => {
        const release = uniqueName('f-temporal');
        const namespace = uniqueName('ns');
        const started = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig()), ASYNC);
        expect(started.status).toBe(202);
        await helmUpgradePid(release);

        const t0 = Date.now();
        await execa(script, ['stop', state]);
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
        await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace], tempDirs: [{ dir }] });
        expect((await stack.store.list({ namespace }, { limit: 10 })).items).toHaveLength(1);
      });
    } finally {
      await execa(script, ['stop', state], { reject: false });
    }
  });
}
