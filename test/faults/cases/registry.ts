// The Backbone Registry fails during a deploy: for 60 s (ridden out by the worker's retry window: the deploy
// succeeds) and for good (the window runs out: the deploy is compensated, the release uninstalled).
import { uniqueName } from '../../support/env.js';
import { eventually } from '../../support/eventually.js';
import { ASYNC, deployBody, expectNoOrphans, http, loadKubeconfig, operationEnd, withCaseDir, withStack } from '../harness.js';
import type { CaseRecord } from '../report.js';

export const REGISTRY_OUTAGE_MS = 60_000;

export function registryOutage(rec: CaseRecord): Promise<void> {
  // the production retry window (10 min): the outage is shorter
  return withCaseDir('reg60', (dir) =>
    withStack(dir, { registryRetryWindowMs: 10 * 60_000 }, async (stack) => {
      const release = uniqueName('f-reg60');
      const namespace = uniqueName('ns');
      stack.faults.failUntil = Date.now() + REGISTRY_OUTAGE_MS;
      const started = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig()), ASYNC);
      expect(started.status).toBe(202);
      // the worker is alive throughout, so the status may ask the workflow (a query) for its detail
      const waiting = await eventually('the status to say it waits for the registry', async () => {
        const r = await http.get(`${stack.baseUrl}${started.data.status_url}`);
        return typeof r.data.detail === 'string' && r.data.detail.startsWith('waiting for the registry') ? r.data : undefined;
      }, REGISTRY_OUTAGE_MS);
      expect(waiting).toMatchObject({ status: 'running', step: 'register' });
      const done = await operationEnd(stack, started.data.status_url as string, REGISTRY_OUTAGE_MS + 120_000);
      rec.recoverMs = Math.max(0, Date.now() - stack.faults.failUntil);
      expect(done).toMatchObject({ status: 'succeeded', operation: 'deploy' });
      rec.outcome = 'deploy succeeded';
      rec.notes.push(`${stack.faults.writesSeen} registry writes (all but the last answered 503); time = registry back to success (the backoff's next attempt)`);
      const report = await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace], tempDirs: [{ dir }] });
      expect(report.releases).toEqual([`${namespace}/${release}:deployed:1`]);
      expect((await stack.store.list({ namespace }, { limit: 10 })).items).toHaveLength(1);
    }),
  );
}

/** The issue's own case: a 30 s outage while the caller waits synchronously, answered success:true. */
export function registryOutage30sSync(rec: CaseRecord): Promise<void> {
  return withCaseDir('reg30', (dir) =>
    withStack(dir, { registryRetryWindowMs: 10 * 60_000 }, async (stack) => {
      const release = uniqueName('f-reg30');
      const namespace = uniqueName('ns');
      stack.faults.failUntil = Date.now() + 30_000;
      const post = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig()));
      rec.recoverMs = Math.max(0, Date.now() - stack.faults.failUntil);
      expect(post.status).toBe(200);
      expect(post.data).toMatchObject({ success: true, release_name: release });
      rec.outcome = 'success:true (synchronous answer)';
      rec.notes.push(`${stack.faults.writesSeen} registry writes; time = registry back to the 200`);
      const report = await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace], tempDirs: [{ dir }] });
      expect(report.releases).toEqual([`${namespace}/${release}:deployed:1`]);
      expect((await stack.store.list({ namespace }, { limit: 10 })).items).toHaveLength(1);
    }),
  );
}

export function registryDownForGood(rec: CaseRecord): Promise<void> {
  return withCaseDir('regdown', (dir) =>
    withStack(dir, { failRegistryWrites: Number.POSITIVE_INFINITY, registryRetryWindowMs: 10_000 }, async (stack) => {
      const release = uniqueName('f-regdown');
      const namespace = uniqueName('ns');
      const t0 = Date.now();
      const post = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, loadKubeconfig()));
      // no end to this fault: the time is the one to the compensated answer (window + uninstall)
      rec.recoverMs = Date.now() - t0;
      expect(post.status).toBe(502);
      expect(post.data).toMatchObject({ success: false, error_type: 'RegistrationFailed' });
      expect(post.data.error).toMatch(/release .* was uninstalled/);
      expect(stack.faults.writesSeen).toBeGreaterThan(1);
      rec.outcome = `compensated: ${post.status} ${post.data.error_type as string}, release uninstalled`;
      rec.notes.push(`time = POST to the compensated 502; ${stack.faults.writesSeen} registry writes tried`);
      const report = await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace], tempDirs: [{ dir }] });
      expect(report.releases).toEqual([]);
    }),
  );
}
