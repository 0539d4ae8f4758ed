// The real target: the official nats chart (2.14.2, pinned by sha256) on a cluster whose pods run (kwok node,
// kube-controller-manager, kube-scheduler), with helm waiting for readiness as in production.
import axios from 'axios';
import { claims, helmHistory, helmReleaseNames, helmValues, kubeGet, kubeList, pods } from '../support/cluster.js';
import { NEVER_READY, uniqueName } from '../support/env.js';
import { exchangeBody, targetBody } from '../support/requests.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

interface Container {
  name: string;
  resources?: { requests?: Record<string, string> };
  startupProbe?: unknown;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
}
interface StatefulSet {
  spec: { replicas: number; template: { spec: { containers: Container[]; nodeSelector?: Record<string, string> } } };
  status: { readyReplicas?: number };
}

async function statefulSet(namespace: string, name: string): Promise<StatefulSet> {
  const r = await kubeGet(`/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`);
  if (r.status !== 200) throw new Error(`StatefulSet ${name}: HTTP ${r.status}`);
  return r.data as StatefulSet;
}

const readyPods = async (namespace: string) => (await pods(namespace)).filter((p) => p.phase === 'Running' && p.ready).map((p) => p.name).sort();

describe('the official nats chart on a cluster whose pods run', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ helmTimeoutSeconds: 120 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (release: string, namespace: string, helmValues: Record<string, unknown>) => http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace, helmValues));
  const put = (systemId: string, release: string, namespace: string, helmValues: Record<string, unknown>) =>
    http.put(`${stack.baseUrl}/exchange/${systemId}`, targetBody(release, namespace, { helm_values: helmValues }));
  const del = (systemId: string, release: string, namespace: string, extra: Record<string, unknown> = {}) =>
    http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: targetBody(release, namespace, extra) });

  it('POST waits for Ready pods; a clustering PUT gets every replica Ready; DELETE keeps the JetStream volumes by default', async () => {
    const release = uniqueName('ex'); // no "nats" in the name: the chart calls its objects <release>-nats
    const namespace = uniqueName('ns');
    const full = `${release}-nats`;
    const created = await post(release, namespace, {
      'config.jetstream.enabled': true,
      'config.jetstream.fileStore.pvc.size': '1Gi',
      'container.resources.requests.cpu': '2',
    });
    expect(created.status).toBe(200);
    expect(created.data).toMatchObject({ success: true, release_name: release });
    const systemId = created.data.system_id as string;

    // answered only once the pod is Running and Ready, with its claim Bound
    expect(await readyPods(namespace)).toEqual([`${full}-0`]);
    expect(await claims(namespace)).toEqual([{ name: `${full}-js-${full}-0`, phase: 'Bound' }]);
    expect(await kubeList('apis/apps/v1', 'statefulsets', namespace)).toEqual([full]);
    expect(await kubeList('api/v1', 'services', namespace)).toEqual(expect.arrayContaining([full, `${full}-headless`]));
    expect(await kubeList('api/v1', 'configmaps', namespace)).toContain(`${full}-config`);
    expect(await kubeList('apis/policy/v1', 'poddisruptionbudgets', namespace)).toEqual([full]);
    const sts = await statefulSet(namespace, full);
    const containers = sts.spec.template.spec.containers;
    expect(containers.map((c) => c.name).sort()).toEqual(['nats', 'reloader']);
    const nats = containers.find((c) => c.name === 'nats')!;
    expect(nats.startupProbe && nats.readinessProbe && nats.livenessProbe).toBeTruthy();
    // the caller's resources win over the base values' defaults
    expect(nats.resources?.requests).toMatchObject({ cpu: '2', memory: '128Mi' });

    // the seed's clustering PUT, with the switch it needs: 3 Ready pods when it answers
    const clustered = await put(systemId, release, namespace, { 'config.cluster.enabled': true, 'config.cluster.replicas': 3 });
    expect(clustered.status).toBe(200);
    expect(clustered.data).toMatchObject({ success: true, message: `Exchange '${release}' updated successfully` });
    expect(await readyPods(namespace)).toEqual([0, 1, 2].map((i) => `${full}-${i}`));
    expect((await statefulSet(namespace, full)).status.readyReplicas).toBe(3);

    // DELETE without the data option: release, record and pods go, the three JetStream claims stay
    const removed = await del(systemId, release, namespace);
    expect(removed.status).toBe(200);
    expect(removed.data).toMatchObject({ success: true, volumes: { action: 'kept', claims: [0, 1, 2].map((i) => `${full}-js-${full}-${i}`) } });
    expect(removed.data.volumes.note).toMatch(/3 JetStream volume claim\(s\) kept with their data; DELETE with "delete_data": true removes them/);
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await stack.store.get(systemId)).toBeNull();
    await eventually('the pods to go', async () => ((await pods(namespace)).length === 0 ? true : undefined), 60_000);
    expect((await claims(namespace)).map((c) => c.name)).toEqual([0, 1, 2].map((i) => `${full}-js-${full}-${i}`));
  });

  it('DELETE with delete_data removes the JetStream volumes and says so', async () => {
    const release = uniqueName('nats-data');
    const namespace = uniqueName('ns');
    const created = await post(release, namespace, { 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '1Gi' });
    expect(created.status).toBe(200);
    expect(await claims(namespace)).toEqual([{ name: `${release}-js-${release}-0`, phase: 'Bound' }]); // "nats" in the name: no suffix
    const removed = await del(created.data.system_id as string, release, namespace, { delete_data: true });
    expect(removed.status).toBe(200);
    expect(removed.data).toMatchObject({ success: true, volumes: { action: 'deleted', claims: [`${release}-js-${release}-0`] } });
    await eventually('the claim to go', async () => ((await claims(namespace)).length === 0 ? true : undefined), 60_000);
    await eventually('the pods to go', async () => ((await pods(namespace)).length === 0 ? true : undefined), 60_000);
  });

  it('a JetStream toggle is refused with 422 naming the field, and the exchange stays updatable', async () => {
    const release = uniqueName('nats-imm');
    const namespace = uniqueName('ns');
    const created = await post(release, namespace, {});
    expect(created.status).toBe(200);
    const systemId = created.data.system_id as string;

    const toggle = await put(systemId, release, namespace, { 'config.jetstream.enabled': true });
    expect(toggle.status).toBe(422);
    expect(toggle.data).toMatchObject({ success: false, error_type: 'UpdateFailed' });
    expect(toggle.data.error).toContain('config.jetstream.enabled');
    expect(toggle.data.error).toMatch(/re-create the exchange/i);

    // the refused override is not carried into the next update
    const harmless = await put(systemId, release, namespace, { 'promExporter.enabled': true });
    expect(harmless.status).toBe(200);
    const values = await helmValues(release, namespace);
    expect(values).toMatchObject({ promExporter: { enabled: true }, config: { jetstream: { enabled: false } } });
    expect((await statefulSet(namespace, release)).spec.template.spec.containers.map((c) => c.name).sort()).toEqual(['nats', 'prom-exporter', 'reloader']);

    // a request that switches a section off and sets a key in it is contradictory: refused before anything runs, naming both
    const contradictory = await put(systemId, release, namespace, { 'config.websocket.enabled': false, 'config.websocket.port': 8080 });
    expect(contradictory.status).toBe(422);
    expect(contradictory.data).toMatchObject({ error_type: 'ContradictoryValues' });
    expect(contradictory.data.error).toContain('config.websocket.port needs config.websocket.enabled');
    expect((await helmHistory(release, namespace)).length).toBe(2);
    expect((await del(systemId, release, namespace)).status).toBe(200);
  });
});

describe('readiness that never comes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ helmTimeoutSeconds: 10 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a deploy whose pods never become Ready fails within the helm timeout, leaving no release and no record', async () => {
    const release = uniqueName('nats-nr');
    const namespace = uniqueName('ns');
    const started = Date.now();
    const r = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace, { ...NEVER_READY, 'config.jetstream.enabled': true }));
    const seconds = (Date.now() - started) / 1000;
    expect(r.data).toMatchObject({ success: false, error_type: 'DeployFailed' });
    expect(r.status).toBe(504);
    expect(r.data.error).toMatch(/not ready/);
    expect(r.data.error).toContain(`release '${release}' was uninstalled`);
    expect(seconds).toBeLessThan(10 + 30); // HELM_TIMEOUT_SECONDS + slack (uninstall, workflow round trips)
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect((await stack.store.list({}, { limit: 100 })).items.filter((x) => x.release_name === release)).toEqual([]);
    // the compensation also dropped the claim this install created
    await eventually('the claim to go', async () => ((await claims(namespace)).length === 0 ? true : undefined), 30_000);
  });

  it('a PUT whose new pods never become Ready goes back to the previous deployed revision', async () => {
    const release = uniqueName('nats-rb');
    const namespace = uniqueName('ns');
    const created = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace));
    expect(created.status).toBe(200);
    const systemId = created.data.system_id as string;
    const before = await helmValues(release, namespace);

    const broken = await http.put(`${stack.baseUrl}/exchange/${systemId}`, targetBody(release, namespace, { helm_values: NEVER_READY }));
    expect(broken.status).toBe(504);
    expect(broken.data).toMatchObject({ success: false, error_type: 'UpdateFailed' });
    expect(broken.data.error).toMatch(/rolled back: revision 3 restores the values of revision 1/);
    const history = await helmHistory(release, namespace);
    expect(history.map((h) => h.status)).toEqual(['superseded', 'failed', 'deployed']);
    expect(await helmValues(release, namespace)).toEqual(before);
    expect((await statefulSet(namespace, release)).spec.template.spec.nodeSelector).toBeUndefined();
    expect(await readyPods(namespace)).toEqual([`${release}-0`]);
    expect((await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: targetBody(release, namespace) })).status).toBe(200);
  });
});
