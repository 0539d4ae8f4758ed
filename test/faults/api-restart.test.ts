// The API goes away (listener and connections dropped, as a crashed API process would) while a synchronous POST
// waits for its deploy, and comes back on the same port 2 s later. The caller sees a clean transport error (no
// half answer); the deploy runs on (it lives in Temporal, not in the API); a retry of the same POST meets the
// same workflow id (the system_id is derived from cluster/namespace/release) and never makes a second release.
import { helmHistory } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { deployBody, expectNoOrphans, helmUpgradePid, http, loadKubeconfig, seconds, withCaseDir, withStack } from './harness.js';
import { faultCase } from './report.js';

type Answer = { status: number; errorType?: string; systemId?: string } | { transportError: string };

const describeAnswer = (a: Answer) => ('status' in a ? `${a.status}${a.errorType ? ` ${a.errorType}` : ''}` : a.transportError);

describe('the API restarted while a synchronous POST waits', () => {
  it('the caller gets a clean error; retries find the exchange; one release, one record', async () => {
    await faultCase('API restarted during a synchronous POST', (rec) =>
      withCaseDir('api', (dir) =>
        withStack(dir, {}, async (stack) => {
          const release = uniqueName('f-api');
          const namespace = uniqueName('ns');
          const body = deployBody(release, namespace, loadKubeconfig());
          const post = (): Promise<Answer> =>
            http.post(`${stack.baseUrl}/exchange`, body).then(
              (r) => {
                const data = r.data as { error_type?: string; system_id?: string };
                return { status: r.status, errorType: data.error_type, systemId: data.system_id };
              },
              (err: { code?: string; message?: string }) => ({ transportError: err.code ?? err.message ?? 'no answer' }),
            );
          const waiting = post();
          // the POST waits while helm installs
          await helmUpgradePid(release);
          const t0 = Date.now();
          await stack.restartApi(2_000);
          const back = Date.now();
          const first = await waiting;
          rec.notes.push(`waiting POST: ${describeAnswer(first)}`);
          // a clean failure: no HTTP answer at all, or an honest 202 — never a 5xx or a half-written body
          if ('status' in first) expect(first.status).toBe(202);
          else expect(first.transportError).toMatch(/ECONNRESET|socket hang up|EPIPE/);

          const retry = await post();
          rec.notes.push(`retry at once: ${describeAnswer(retry)}`);
          if (!('status' in retry)) throw new Error(`the retry got no answer: ${retry.transportError}`);
          expect(retry.status).toBe(409);
          const result = await stack.client.workflow.getHandle(`exchange-${retry.systemId ?? ''}`).result();
          rec.recoverMs = Date.now() - back;
          expect(result).toMatchObject({ releaseName: release, namespace });
          const later = await post();
          rec.notes.push(`retry after it finished: ${describeAnswer(later)}`);
          expect(later).toMatchObject({ status: 409, errorType: 'ExchangeAlreadyExists' });
          rec.outcome = `caller: ${describeAnswer(first)}; retries 409, no second release`;
          rec.notes.push(`API down ${seconds(back - t0)}; time = API back to the deploy's success`);

          const history = await helmHistory(release, namespace);
          expect(history.map((h) => h.status)).toEqual(['deployed']);
          expect((await stack.store.list({ namespace }, { limit: 10 })).items).toHaveLength(1);
          await expectNoOrphans(rec, { store: stack.store, namespaces: [namespace], tempDirs: [{ dir }] });
        }),
      ),
    );
  }, 180_000);
});
