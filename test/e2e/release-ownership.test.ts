// Whose release is it: the deploy's one install activity reads helm's release records itself, refuses a release
// another tool made, labels its own with the exchange id, and its compensation removes only a labelled release
// and only the JetStream claims the failed install created (claims older than the release keep their data).
import axios from 'axios';
import { claims, helm, helmHistory, helmReleaseNames, kubeGet } from '../support/cluster.js';
import { NEVER_READY, testEnv, uniqueName } from '../support/env.js';
import { exchangeBody, targetBody } from '../support/requests.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

interface SecretList {
  items: Array<{ metadata: { name: string; labels?: Record<string, string> } }>;
}

async function releaseRecordLabels(namespace: string, release: string): Promise<Array<Record<string, string>>> {
  const r = await kubeGet(`/api/v1/namespaces/${namespace}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${release}`)}`);
  expect(r.status).toBe(200);
  return (r.data as SecretList).items.map((i) => i.metadata.labels ?? {});
}

describe('release ownership', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ helmTimeoutSeconds: 10 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a release installed by hand is refused with 409 ReleaseAlreadyExists and left exactly as it was', async () => {
    const release = uniqueName('nats-foreign');
    const namespace = uniqueName('ns');
    const byHand = await helm(['install', release, testEnv().chart, '--namespace', namespace, '--create-namespace']);
    expect(byHand.exitCode).toBe(0);
    const r = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace));
    expect(r.status).toBe(409);
    expect(r.data).toMatchObject({ success: false, error_type: 'ReleaseAlreadyExists' });
    expect(r.data.error).toBe(`Release '${release}' already exists in namespace '${namespace}' (status deployed)`);
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    expect((await helmHistory(release, namespace)).map((h) => h.revision)).toEqual([1]);
    expect((await stack.store.list({}, { limit: 1000 })).items.filter((x) => x.release_name === release)).toEqual([]);
    expect((await helm(['uninstall', release, '--namespace', namespace])).exitCode).toBe(0);
  });

  it("labels its release record with the exchange's id", async () => {
    const release = uniqueName('nats-label');
    const namespace = uniqueName('ns');
    const r = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace));
    expect(r.status).toBe(200);
    expect(await releaseRecordLabels(namespace, release)).toEqual([expect.objectContaining({ 'exchange-id': r.data.system_id, owner: 'helm', status: 'deployed' })]);
    expect((await http.delete(`${stack.baseUrl}/exchange/${r.data.system_id}`, { data: targetBody(release, namespace) })).status).toBe(200);
  });

  it('a failed re-deploy keeps the JetStream claim an earlier exchange of the release left (its data), and removes its own release', async () => {
    const release = uniqueName('nats-reuse');
    const namespace = uniqueName('ns');
    const jetstream = { 'config.jetstream.enabled': true };
    const first = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace, jetstream));
    expect(first.status).toBe(200);
    const removed = await http.delete(`${stack.baseUrl}/exchange/${first.data.system_id}`, { data: targetBody(release, namespace) });
    expect(removed.data).toMatchObject({ success: true, volumes: { action: 'kept' } });
    const kept = (await claims(namespace)).map((c) => c.name);
    expect(kept).toHaveLength(1);

    // scheduled nowhere: helm's wait times out after 10 s and the deploy is compensated
    const again = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace, { ...jetstream, ...NEVER_READY }));
    expect(again.status).toBe(504);
    expect(again.data.error).toContain(`release '${release}' was uninstalled`);
    expect(await helmReleaseNames(namespace)).toEqual([]);
    // the StatefulSet reused the old claim by name: it is older than the new release, so it stays
    expect((await claims(namespace)).map((c) => c.name)).toEqual(kept);
  });
});
