// HTTP → API → Temporal → worker → helm → Kubernetes API server → Backbone Registry, all real.
import axios from 'axios';
import { helmReleaseNames, helmValues, kubeList, testKubeconfig } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { startStack, type Stack } from '../support/stack.js';


async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 300));
  }
}

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

describe('an exchange over its whole life (POST, PUT, DELETE)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('deploys, merges a PUT into the existing overrides, and removes it from cluster and registry', async () => {
    const release = uniqueName('nats-e2e');
    const namespace = uniqueName('ns');
    const kubeconfig = testKubeconfig();

    // POST, in the seed's shape
    const post = await http.post(`${stack.baseUrl}/exchange`, {
      kubeconfig,
      helm_values: { 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '5Gi' },
      release_name: release,
      org_ids: 'org001,org002',
      cluster_id: 'local-test-cluster',
      name: 'Global Event Bus',
      namespace,
      metadata: { team: 'infra', 'app.kubernetes.io/part-of': 'backbone' },
    });
    expect(post.status).toBe(200);
    expect(post.data).toMatchObject({ success: true, release_name: release, namespace, public_url: `https://127.0.0.1/nats/${release}` });
    const systemId = post.data.system_id as string;
    expect(systemId).toMatch(/^[0-9a-f-]{36}$/);
    expect(post.data.workflow_id).toBe(`exchange-${systemId}`);

    // the Web UI (and `temporal workflow list --query`) finds the deploy by its search attributes
    const found = await eventually(async () => {
      const hits: Array<{ type: string; status: string; memo?: Record<string, unknown> }> = [];
      for await (const wf of stack.client.workflow.list({ query: `ReleaseName="${release}" AND Operation="deploy" AND ExchangeStatus="succeeded"` })) {
        hits.push({ type: wf.type, status: wf.status.name, memo: wf.memo });
      }
      return hits.length ? hits : undefined;
    });
    expect(found).toEqual([{ type: 'deployExchange', status: 'COMPLETED', memo: { name: 'Global Event Bus', releaseName: release, namespace } }]);

    // the cluster has the release and its objects
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    expect(await kubeList('apis/apps/v1', 'statefulsets', namespace)).toContain(`${release}`);
    expect(await kubeList('api/v1', 'services', namespace)).toEqual(expect.arrayContaining([release, `${release}-headless`]));
    expect(await kubeList('api/v1', 'configmaps', namespace)).toContain(`${release}-config`);
    const installed = await helmValues(release, namespace);
    expect(installed).toMatchObject({ config: { jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } } } });

    // the registry has exactly this record
    const record = await stack.store.get(systemId);
    expect(record).toMatchObject({
      system_id: systemId,
      name: 'Global Event Bus',
      release_name: release,
      namespace,
      cluster_id: 'local-test-cluster',
      org_ids: ['org001', 'org002'],
      public_url: `https://127.0.0.1/nats/${release}`,
      metadata: { team: 'infra', 'app.kubernetes.io/part-of': 'backbone' },
    });

    // PUT changes replicas and turns the exporter on; JetStream from the POST stays on
    const put = await http.put(`${stack.baseUrl}/exchange/${systemId}`, {
      kubeconfig,
      release_name: release,
      namespace,
      helm_values: { 'config.cluster.enabled': true, 'config.cluster.replicas': 5, 'promExporter.enabled': true },
    });
    expect(put.status).toBe(200);
    expect(put.data).toMatchObject({ success: true, message: `Exchange '${release}' updated successfully` });
    const merged = await helmValues(release, namespace);
    expect(merged).toMatchObject({
      config: { jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } }, cluster: { enabled: true, replicas: 5 } },
      promExporter: { enabled: true },
    });
    const sts = await kubeList('apis/apps/v1', 'statefulsets', namespace);
    expect(sts).toContain(release);
    expect(await stack.store.get(systemId)).toEqual(record); // PUT leaves the registry untouched

    // DELETE removes the release and the record
    const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: { kubeconfig, release_name: release, namespace } });
    expect(del.status).toBe(200);
    expect(del.data).toMatchObject({ success: true, message: `Exchange '${release}' removed from cluster and DB` });
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await kubeList('apis/apps/v1', 'statefulsets', namespace)).toEqual([]);
    expect(await kubeList('api/v1', 'configmaps', namespace)).not.toContain(`${release}-config`);
    expect(await stack.store.get(systemId)).toBeNull();

    // a repeated DELETE converges: nothing left to remove is not an error
    const again = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: { kubeconfig, release_name: release, namespace } });
    expect(again.status).toBe(200);
    expect(again.data).toMatchObject({ success: true, release_uninstalled: false, record_deleted: false });
  });

  it('refuses a PUT for a release that does not exist, without installing it', async () => {
    const release = uniqueName('nats-missing');
    const namespace = uniqueName('ns');
    const put = await http.put(`${stack.baseUrl}/exchange/0b6f5c2e-8a44-4d8e-9c1e-2b1f6d7b9a10`, {
      kubeconfig: testKubeconfig(),
      release_name: release,
      namespace,
      helm_values: { 'config.cluster.replicas': 3 },
    });
    expect(put.status).toBe(404);
    expect(put.data.success).toBe(false);
    expect(put.data.error).toContain(`Helm upgrade failed for release '${release}'`);
    expect(await helmReleaseNames(namespace)).toEqual([]);
  });

  it('answers 409 for a POST of a release that already exists, and leaves that release alone', async () => {
    const release = uniqueName('nats-dup');
    const namespace = uniqueName('ns');
    const body = { kubeconfig: testKubeconfig(), helm_values: {}, release_name: release, org_ids: 'org001', cluster_id: 'c1', name: 'dup', namespace };
    const first = await http.post(`${stack.baseUrl}/exchange`, body);
    expect(first.status).toBe(200);
    const second = await http.post(`${stack.baseUrl}/exchange`, body);
    expect(second.status).toBe(409);
    expect(second.data).toMatchObject({ success: false, error_type: 'ReleaseAlreadyExists' });
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    expect(await stack.store.get(first.data.system_id as string)).not.toBeNull();
    expect(await stack.store.get(second.data.system_id as string)).toBeNull();
  });
});

describe('when the Backbone Registry refuses writes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ failRegistryWrites: Number.POSITIVE_INFINITY });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('uninstalls the release again and answers success:false; no record exists', async () => {
    const release = uniqueName('nats-comp');
    const namespace = uniqueName('ns');
    const post = await http.post(`${stack.baseUrl}/exchange`, {
      kubeconfig: testKubeconfig(),
      helm_values: { 'config.jetstream.enabled': true },
      release_name: release,
      org_ids: 'org001',
      cluster_id: 'local-test-cluster',
      name: 'Doomed',
      namespace,
    });
    expect(post.status).toBe(502);
    expect(post.data.success).toBe(false);
    expect(post.data.error_type).toBe('RegistrationFailed');
    expect(post.data.error).toMatch(/Registration of exchange .* failed.*release .* was uninstalled/);
    expect(stack.faults.writesSeen).toBeGreaterThan(1); // it was retried before giving up
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await kubeList('apis/apps/v1', 'statefulsets', namespace)).toEqual([]);
    expect((await stack.store.list({}, { limit: 100 })).items).toEqual([]);
  });
});
