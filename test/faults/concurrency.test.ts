// Mixed concurrent mutations: POST/PUT/DELETE at random over a set of exchanges, a bounded number in flight, all
// synchronous. No answer may be a 5xx, every clash is a 409, and at the end each exchange is either a release with
// one record or neither. `npm test`: 60 over 6 exchanges, 8 in flight; FAULTS_FULL=1: 200 over 20, 16 in flight.
import { exchangeSystemId } from '../../src/api/exchange-routes.js';
import { clusterFingerprint } from '../../src/api/cluster-fingerprint.js';
import { DEFAULT_KUBECONFIG_POLICY, resolveKubeconfig } from '../../src/domain/kubeconfig.js';
import { uniqueName } from '../support/env.js';
import { deployBody, expectNoOrphans, FULL, http, loadKubeconfig, targetBody, withCaseDir, withStack } from './harness.js';
import { faultCase } from './report.js';

const EXCHANGES = FULL ? 20 : 6;
const OPERATIONS = FULL ? 200 : 60;
const IN_FLIGHT = FULL ? 16 : 8;

/** mulberry32: a small seeded generator, so a failing mix can be replayed with FAULTS_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Verb = 'POST' | 'PUT' | 'DELETE';
interface Answer {
  verb: Verb;
  status: number;
  type: string;
}

describe('mixed concurrent mutations', () => {
  it(`${OPERATIONS} POST/PUT/DELETE over ${EXCHANGES} exchanges: no 5xx, clashes are 409, no duplicate, no orphan`, async () => {
    await faultCase(`${OPERATIONS} mixed mutations over ${EXCHANGES} exchanges (${IN_FLIGHT} in flight)`, (rec) =>
      withCaseDir('mix', (dir) =>
        // many helm --wait at once on 2 cores: give them helm's production timeout
        withStack(dir, { helmTimeoutSeconds: 300 }, async (s) => {
          const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
          const rnd = random(seed);
          const kubeconfig = loadKubeconfig();
          const namespaces = [uniqueName('ns-a'), uniqueName('ns-b')];
          const exchanges = Array.from({ length: EXCHANGES }, (_, i) => {
            const namespace = namespaces[i % namespaces.length]!;
            const release = uniqueName(`f-mix${i}`);
            const fingerprint = clusterFingerprint(resolveKubeconfig(kubeconfig, { ...DEFAULT_KUBECONFIG_POLICY, serverAllowlist: ['127.0.0.1'] }).minimal);
            return { release, namespace, systemId: exchangeSystemId(fingerprint, namespace, release) };
          });
          const plan = Array.from({ length: OPERATIONS }, (_, i) => {
            const r = rnd();
            const verb: Verb = r < 0.45 ? 'POST' : r < 0.75 ? 'PUT' : 'DELETE';
            return { i, verb, ex: exchanges[Math.floor(rnd() * exchanges.length)]! };
          });

          const run = async (op: (typeof plan)[number]): Promise<Answer> => {
            const { release, namespace, systemId } = op.ex;
            const url = `${s.baseUrl}/exchange${op.verb === 'POST' ? '' : `/${systemId}`}`;
            const r =
              op.verb === 'POST'
                ? await http.post(url, deployBody(release, namespace, kubeconfig))
                : op.verb === 'PUT'
                  ? await http.put(url, targetBody(release, namespace, kubeconfig, { 'statefulSet.merge.metadata.annotations.fault-rev': String(op.i) }))
                  : await http.delete(url, { data: targetBody(release, namespace, kubeconfig) });
            return { verb: op.verb, status: r.status, type: String((r.data as { error_type?: string }).error_type ?? '') };
          };
          const answers: Answer[] = [];
          const t0 = Date.now();
          let next = 0;
          await Promise.all(
            Array.from({ length: IN_FLIGHT }, async () => {
              while (next < plan.length) answers.push(await run(plan[next++]!));
            }),
          );
          const wall = Date.now() - t0;

          const tally = new Map<string, number>();
          for (const a of answers) tally.set(`${a.verb} ${a.status}${a.type ? ` ${a.type}` : ''}`, (tally.get(`${a.verb} ${a.status}${a.type ? ` ${a.type}` : ''}`) ?? 0) + 1);
          const summary = [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`).join(', ');
          rec.notes.push(`seed ${seed}; ${(wall / 1000).toFixed(1)} s; ${summary}`);
          const fivexx = answers.filter((a) => a.status >= 500);
          rec.recoverMs = null;
          rec.outcome = `${answers.length} answered, ${fivexx.length} 5xx, ${answers.filter((a) => a.status === 409).length} 409`;
          expect(answers).toHaveLength(OPERATIONS);
          await expectNoOrphans(rec, { store: s.store, namespaces, tempDirs: [{ dir }] });
          // a clash is a 409; a PUT/DELETE of an exchange that is not (yet / any more) there is a 404; nothing else
          const unexpected = answers.filter((a) => !(a.status === 200 || a.status === 409 || (a.status === 404 && a.verb !== 'POST')));
          if (unexpected.length > 0) throw new Error(`${fivexx.length} 5xx, ${unexpected.length} unexpected answers: ${[...new Set(unexpected.map((a) => `${a.verb} ${a.status} ${a.type}`))].join(', ')}`);
        }),
      ),
    );
  }, FULL ? 900_000 : 300_000);
});
