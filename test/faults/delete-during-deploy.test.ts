// A DELETE arrives while the deploy is still running (helm waits for pods that never become Ready): the deploy is
// cancelled, its saga uninstalls, then the removal runs. Nothing is left in the cluster or the registry.
import { claims } from '../support/cluster.js';
import { NEVER_READY, uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { ASYNC, deployBody, expectNoOrphans, http, loadKubeconfig, targetBody, withCaseDir, withStack } from './harness.js';
import { helmListAll } from './orphans.js';
import { faultCase } from './report.js';

describe('a DELETE while the deploy is still running', () => {
  it('cancels the deploy (its saga uninstalls) and removes the exchange: nothing left in cluster or registry', async () => {
    await faultCase('DELETE during a running deploy', (rec) =>
      withCaseDir('abort', (dir) =>
        withStack(dir, { helmTimeoutSeconds: 300 }, async (stack) => {
          const kubeconfig = loadKubeconfig();
          const release = uniqueName('f-abort');
          const namespace = uniqueName('ns');
          const values = { ...NEVER_READY, 'config.jetstream.enabled': true };
          const started = await http.post(`${stack.baseUrl}/exchange`, deployBody(release, namespace, kubeconfig, values), ASYNC);
          expect(started.status).toBe(202);
          const systemId = started.data.system_id as string;
          await eventually('helm to be waiting for pods', async () => ((await helmListAll(namespace)).some((r) => r.name === release) ? true : undefined), 60_000);

          const t0 = Date.now();
          const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: targetBody(release, namespace, kubeconfig) });
          rec.recoverMs = Date.now() - t0;
          expect(del.status).toBe(200);
          expect(del.data).toMatchObject({ success: true });
          expect(rec.recoverMs).toBeLessThan(60_000);
          const deploy = await http.get(`${stack.baseUrl}${started.data.status_url}`);
          expect(deploy.data).toMatchObject({ operation: 'deploy', status: 'cancelled' });
          rec.outcome = 'deploy cancelled and compensated, exchange removed (200)';
          rec.notes.push("time = the DELETE's answer (cancel, saga uninstall, removal)");
          expect(await stack.store.get(systemId)).toBeNull();
          await eventually('the claim to go', async () => ((await claims(namespace)).length === 0 ? true : undefined), 30_000);
          await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace], tempDirs: [{ dir }] });
        }),
      ),
    );
  }, 180_000);
});
