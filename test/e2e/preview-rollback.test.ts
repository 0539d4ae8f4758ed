// Knowing the chart (official nats chart 2.14.2 on the kwok cluster, helm waiting for readiness): a dry run of a
// PUT or POST changes nothing and says what would change, object by object; the release's revisions; rollback to
// one of them, held to today's values policy.
import axios from 'axios';
import { helm, helmHistory, helmReleaseNames, helmValues, kubeGet } from '../support/cluster.js';
import { testEnv, uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { exchangeBody, targetBody } from '../support/requests.js';
import { startStack, type Stack } from '../support/stack.js';
import { parseManifest } from '../../src/domain/manifest-diff.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

interface Ref {
  kind: string;
  name: string;
  digest?: string;
  old_digest?: string;
  new_digest?: string;
  manifest?: { spec?: { replicas?: number } };
}

async function statefulSet(namespace: string, name: string): Promise<{ spec: { replicas: number; volumeClaimTemplates?: unknown[] } }> {
  const r = await kubeGet(`/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`);
  if (r.status !== 200) throw new Error(`StatefulSet ${name}: HTTP ${r.status}`);
  return r.data as { spec: { replicas: number; volumeClaimTemplates?: unknown[] } };
}

/** The digest of one object of the release's live manifest, computed here the way the service does. */
async function liveDigest(release: string, namespace: string, kind: string, name: string): Promise<string | undefined> {
  const r = await helm(['get', 'manifest', release, '--namespace', namespace]);
  if (r.exitCode !== 0) throw new Error(`helm get manifest failed: ${r.stderr}`);
  return parseManifest(r.stdout).find((o) => o.kind === kind && o.name === name)?.digest;
}

const names = (refs: Ref[]) => refs.map((r) => `${r.kind}/${r.name}`);

describe('preview, revisions and rollback on the official chart', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ helmTimeoutSeconds: 120 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (release: string, namespace: string, helmValues: Record<string, unknown>, query = '') =>
    http.post(`${stack.baseUrl}/exchange${query}`, exchangeBody(release, namespace, helmValues));
  const put = (systemId: string, release: string, namespace: string, helmValues: Record<string, unknown>, query = '') =>
    http.put(`${stack.baseUrl}/exchange/${systemId}${query}`, targetBody(release, namespace, { helm_values: helmValues }));
  const rollback = (systemId: string, release: string, namespace: string, revision: number) =>
    http.post(`${stack.baseUrl}/exchange/${systemId}/rollback`, targetBody(release, namespace, { revision }));
  const revisions = (systemId: string, release: string, namespace: string) => http.post(`${stack.baseUrl}/exchange/${systemId}/revisions/query`, targetBody(release, namespace));
  const del = (systemId: string, release: string, namespace: string) => http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: targetBody(release, namespace) });

  async function deployed(prefix: string, helmValues: Record<string, unknown> = {}) {
    const release = uniqueName(prefix); // no "nats" in the name: the chart calls its objects <release>-nats
    const namespace = uniqueName('ns');
    const created = await post(release, namespace, helmValues);
    expect(created.status).toBe(200);
    return { release, namespace, full: `${release}-nats`, systemId: created.data.system_id as string };
  }

  it('a PUT dry run of a JetStream toggle says the StatefulSet change is refused and changes nothing', async () => {
    const { release, namespace, full, systemId } = await deployed('ex-js');
    const before = await helmValues(release, namespace);

    const r = await put(systemId, release, namespace, { 'config.jetstream.enabled': true }, '?dry_run=true');
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ success: true, dry_run: true, applicable: false, system_id: systemId, chart_version: '2.14.2' });
    expect(r.data.refused).toEqual([{ kind: 'StatefulSet', name: full, source: 'chart-rules', reason: expect.stringContaining('config.jetstream.enabled') }]);
    expect(r.data.message).toBe(`Dry run, nothing was changed: the update would be refused (StatefulSet ${full})`);
    expect(r.data.values).toMatchObject({ config: { jetstream: { enabled: true } } });
    expect(names(r.data.diff.changed)).toEqual(expect.arrayContaining([`StatefulSet/${full}`, `ConfigMap/${full}-config`]));
    expect(r.data.workflow_id).toMatch(new RegExp(`^preview-${systemId}-`));

    // nothing changed: no new revision, the same values, a StatefulSet without claims
    expect((await helmHistory(release, namespace)).length).toBe(1);
    expect(await helmValues(release, namespace)).toEqual(before);
    expect((await statefulSet(namespace, full)).spec.volumeClaimTemplates ?? []).toEqual([]);
    // and the exchange's own lock was never taken: its latest operation is still the deploy
    expect((await http.get(`${stack.baseUrl}/exchange/${systemId}`)).data.latest_operation).toMatchObject({ operation: 'deploy', status: 'succeeded' });
    expect((await del(systemId, release, namespace)).status).toBe(200);
  });

  it('an object the API server would refuse is reported from its own dry run', async () => {
    const { release, namespace, full, systemId } = await deployed('ex-svc');
    // a Service's clusterIP cannot change; the chart rules know nothing of it, the API server does
    const r = await put(systemId, release, namespace, { 'service.merge.spec.clusterIP': '10.0.0.123' }, '?dry_run=true');
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ success: true, dry_run: true, applicable: false });
    expect(r.data.refused).toEqual([{ kind: 'Service', name: full, source: 'api-server', reason: expect.stringMatching(/the API server refused it \(HTTP 422\): .*clusterIP/) }]);
    expect((await helmHistory(release, namespace)).length).toBe(1);
    expect((await del(systemId, release, namespace)).status).toBe(200);
  });

  it('a clustering PUT previewed, applied as previewed, rolled back to revision 1; the revisions say how', async () => {
    const { release, namespace, full, systemId } = await deployed('ex-cl');
    const original = await helmValues(release, namespace);
    const clustering = { 'config.cluster.enabled': true, 'config.cluster.replicas': 3 };

    const preview = await put(systemId, release, namespace, clustering, '?dry_run=true');
    expect(preview.status).toBe(200);
    expect(preview.data).toMatchObject({ success: true, dry_run: true, applicable: true, refused: [], values: { config: { cluster: { enabled: true, replicas: 3 } } } });
    const diff = preview.data.diff as { base_revision: number; added: Ref[]; removed: Ref[]; changed: Ref[]; unchanged: number };
    expect(diff.base_revision).toBe(1);
    expect(names(diff.changed)).toEqual(expect.arrayContaining([`StatefulSet/${full}`, `ConfigMap/${full}-config`]));
    expect(diff.removed).toEqual([]);
    // every object carries a digest; full manifests only when asked for
    for (const o of preview.data.objects as Ref[]) expect(o.digest).toMatch(/^[0-9a-f]{64}$/);
    expect((preview.data.objects as Ref[]).some((o) => o.manifest)).toBe(false);
    const sts = diff.changed.find((c) => c.kind === 'StatefulSet')!;
    expect(sts.old_digest).toBe(await liveDigest(release, namespace, 'StatefulSet', full));

    const withManifests = await put(systemId, release, namespace, clustering, '?dry_run=true&manifests=true');
    expect(withManifests.status).toBe(200);
    expect((withManifests.data.objects as Ref[]).find((o) => o.kind === 'StatefulSet')?.manifest?.spec?.replicas).toBe(3);

    // the previews changed nothing
    expect((await helmHistory(release, namespace)).length).toBe(1);
    expect((await statefulSet(namespace, full)).spec.replicas).toBe(1);

    // the real PUT applies exactly what the preview rendered
    const updated = await put(systemId, release, namespace, clustering);
    expect(updated.status).toBe(200);
    expect(updated.data).toMatchObject({ success: true, revision: 2 });
    expect((await statefulSet(namespace, full)).spec.replicas).toBe(3);
    expect(await liveDigest(release, namespace, 'StatefulSet', full)).toBe(sts.new_digest);

    const back = await rollback(systemId, release, namespace, 1);
    expect(back.status).toBe(200);
    expect(back.data).toMatchObject({ success: true, message: `Exchange '${release}' rolled back to revision 1`, system_id: systemId, revision: 3, restored_revision: 1, workflow_id: `exchange-${systemId}` });
    expect(await helmValues(release, namespace)).toEqual(original);
    expect((await statefulSet(namespace, full)).spec.replicas).toBe(1);
    expect((await http.get(`${stack.baseUrl}/exchange/${systemId}`)).data.latest_operation).toMatchObject({ operation: 'rollback', status: 'succeeded' });

    const listed = await revisions(systemId, release, namespace);
    expect(listed.status).toBe(200);
    const revs = listed.data.revisions as Array<{ revision: number; status: string; chart_version: string; description: string; values_digest: string; updated_at: string }>;
    expect(revs.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    expect(revs.map((r) => r.chart_version)).toEqual(['2.14.2', '2.14.2', '2.14.2']);
    expect(revs[2]!.description).toBe('Rollback to 1');
    expect(revs[2]!.values_digest).toBe(revs[0]!.values_digest);
    expect(revs[1]!.values_digest).not.toBe(revs[0]!.values_digest);
    expect(revs.every((r) => !Number.isNaN(Date.parse(r.updated_at)))).toBe(true);
    // which operation made each revision, from Temporal's records (visibility is eventually consistent)
    const madeBy = await eventually('every revision attributed', async () => {
      const again = (await revisions(systemId, release, namespace)).data.revisions as Array<{ made_by: { operation: string; workflow_id: string } | null }>;
      return again.every((r) => r.made_by) ? again.map((r) => r.made_by!) : undefined;
    }, 20_000);
    expect(madeBy.map((m) => m.operation)).toEqual(['deploy', 'update', 'rollback']);
    expect(madeBy.every((m) => m.workflow_id === `exchange-${systemId}`)).toBe(true);

    expect((await del(systemId, release, namespace)).status).toBe(200);
  });

  it("rollback to a revision whose values fail today's policy answers 422 naming the key and the rule, and changes nothing", async () => {
    const { release, namespace, systemId } = await deployed('ex-pol');
    // a revision the API would never make: helm by hand, with a key the policy denies (the image stays the same)
    const byHand = await helm(['upgrade', release, testEnv().chart, '--namespace', namespace, '--reuse-values', '--set', 'container.image.registry=docker.io']);
    expect(byHand.exitCode).toBe(0);
    const clean = await rollback(systemId, release, namespace, 1);
    expect(clean.status).toBe(200);
    expect(clean.data.revision).toBe(3);

    const refused = await rollback(systemId, release, namespace, 2);
    expect(refused.status).toBe(422);
    expect(refused.data).toMatchObject({ success: false, error_type: 'RollbackFailed', system_id: systemId });
    expect(refused.data.error).toContain("Revision 2's values fail today's values guard");
    expect(refused.data.error).toContain('container.image.registry');
    expect(refused.data.error).toContain('no-image-source-change');
    expect((await helmHistory(release, namespace)).map((h) => h.status)).toEqual(['superseded', 'superseded', 'deployed']);
    expect(await helmValues(release, namespace)).not.toHaveProperty(['container', 'image', 'registry']);

    const gone = await rollback(systemId, release, namespace, 99);
    expect(gone.status).toBe(404);
    expect(gone.data.error).toMatch(/has no revision 99 \(it keeps revisions 1 to 3\)/);

    // the revision made by hand is listed, made by no operation of this service
    const listed = await revisions(systemId, release, namespace);
    expect(listed.data.revisions[1]).toMatchObject({ revision: 2, made_by: null });
    expect((await del(systemId, release, namespace)).status).toBe(200);
  });

  it('a POST dry run renders the new exchange, installs nothing and registers nothing', async () => {
    const release = uniqueName('ex-new');
    const namespace = uniqueName('ns');
    const full = `${release}-nats`;
    const r = await post(release, namespace, { 'config.jetstream.enabled': true }, '?dry_run=true');
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ success: true, dry_run: true, applicable: true, release_name: release, namespace, refused: [] });
    expect(r.data).not.toHaveProperty('diff');
    expect(names(r.data.objects)).toEqual(expect.arrayContaining([`StatefulSet/${full}`, `ConfigMap/${full}-config`, `Service/${full}`, `PodDisruptionBudget/${full}`]));
    // the namespace does not exist yet: the API server cannot dry-run objects in it, and the answer says so
    expect(names(r.data.unchecked)).toEqual(names(r.data.objects));
    expect(r.data.unchecked[0].reason).toBe(`namespace ${namespace} does not exist yet`);
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await stack.store.get(r.data.system_id as string)).toBeNull();
    expect((await http.get(`${stack.baseUrl}/exchange/${r.data.system_id as string}`)).status).toBe(404);
  });
});
