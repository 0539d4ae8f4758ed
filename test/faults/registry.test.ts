// The Backbone Registry fails during a deploy: for 60 s (ridden out by the worker's retry window: the deploy
// succeeds) and for good (the window runs out: the deploy is compensated, the release uninstalled).
import { uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';
import { ASYNC, deployBody, expectNoOrphans, http, loadKubeconfig, operationEnd } from './harness.js';
import { faultCase } from './report.js';

const OUTAGE_MS = 60_000;

describe('the registry is unavailable for 60 s during a deploy', () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.close();
  });

  it('is ridden out: the deploy succeeds once, one record, one release, nothing left over', async () => {
    await faultCase('registry down 60 s during a deploy', async (rec) => {
      // the production retry window (10 min): the outage is shorter
      stack = await startStack({ registryRetryWindowMs: 10 * 60_000 });
      const release = uniqueName('f-reg60');
      const namespace = uniqueName('ns');
      stack.faults.failUntil = Date.now() + OUTAGE_MS;
      const started = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig()), ASYNC);
      expect(started.status).toBe(202);
      const s = stack;
      const waiting = await eventually('the status to say it waits for the registry', async () => {
        const r = await http.get(`${s.baseUrl}${started.data.status_url}`);
        return typeof r.data.detail === 'string' && r.data.detail.startsWith('waiting for the registry') ? r.data : undefined;
      }, OUTAGE_MS);
      expect(waiting).toMatchObject({ status: 'running', step: 'register' });
      const done = await operationEnd(stack, started.data.status_url as string, OUTAGE_MS + 120_000);
      const recovered = Date.now() - stack.faults.failUntil;
      expect(done).toMatchObject({ status: 'succeeded', operation: 'deploy' });
      rec.recoverMs = Math.max(0, recovered);
      rec.outcome = 'deploy succeeded';
      rec.notes.push(`${stack.faults.writesSeen} registry writes seen (all but the last answered 503)`);
      const report = await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace] });
      expect(report.releases).toEqual([`${namespace}/${release}:deployed:1`]);
      expect((await stack.store.list({ namespace }, { limit: 10 })).items).toHaveLength(1);
    });
  }, OUTAGE_MS + 240_000);
});

describe('the registry is down for good during a deploy', () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.close();
  });

  it('is compensated once the retry window (10 s) is used up: 502, the release uninstalled, no record', async () => {
    await faultCase('registry down for good (retry window 10 s)', async (rec) => {
      stack = await startStack({ failRegistryWrites: Number.POSITIVE_INFINITY, registryRetryWindowMs: 10_000 });
      const release = uniqueName('f-regdown');
      const namespace = uniqueName('ns');
      const t0 = Date.now();
      const post = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig()));
      const answered = Date.now() - t0;
      expect(post.status).toBe(502);
      expect(post.data).toMatchObject({ success: false, error_type: 'RegistrationFailed' });
      expect(post.data.error).toMatch(/release .* was uninstalled/);
      expect(stack.faults.writesSeen).toBeGreaterThan(1);
      rec.outcome = `compensated: ${post.status} ${post.data.error_type as string}, release uninstalled`;
      // no end to this fault: the time is the one to the compensated answer (window + uninstall)
      rec.recoverMs = answered;
      rec.notes.push(`time = POST to the compensated 502; ${stack.faults.writesSeen} registry writes tried`);
      const report = await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace] });
      expect(report.releases).toEqual([]);
    });
  }, 180_000);
});
