// HTTP → API → Temporal → worker → helm → Kubernetes API server → Backbone Registry, all real.
import axios from 'axios';
import { helmReleaseNames, helmValues, kubeList, testKubeconfig } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';

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
    const found = await eventually('the deploy in the visibility store', async () => {
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

    // an id and a body that name different releases are refused before anything runs
    const mismatch = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: { kubeconfig, release_name: `${release}-other`, namespace } });
    expect(mismatch.status).toBe(409);
    expect(mismatch.data).toMatchObject({ success: false, error_type: 'ExchangeMismatch' });
    expect(await helmReleaseNames(namespace)).toEqual([release]);

    // DELETE removes the release and the record
    const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: { kubeconfig, release_name: release, namespace } });
    expect(del.status).toBe(200);
    expect(del.data).toMatchObject({ success: true, message: `Exchange '${release}' removed from cluster and DB` });
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await kubeList('apis/apps/v1', 'statefulsets', namespace)).toEqual([]);
    expect(await kubeList('api/v1', 'configmaps', namespace)).not.toContain(`${release}-config`);
    expect(await stack.store.get(systemId)).toBeNull();

    // the exchange is gone: a repeated DELETE names an id the registry no longer holds, and nothing runs
    const again = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: { kubeconfig, release_name: release, namespace } });
    expect(again.status).toBe(404);
    expect(again.data).toMatchObject({ success: false });
  });

  it('refuses a PUT for a release that does not exist, without installing it', async () => {
    const release = uniqueName('nats-missing');
    const namespace = uniqueName('ns');
    const put = await http.put(`${stack.baseUrl}/exchange/0b6f5c2e-8a44-4d8e-9c1e-2b1f6d7b9a10`, {
      kubeconfig: testKubeconfig(),
      release_name: release,
      namespace,
      helm_values: { 'promExporter.enabled': true },
    });
    expect(put.status).toBe(404);
    expect(put.data.success).toBe(false);
    expect(put.data.error).toContain(`No exchange with system_id '0b6f5c2e-8a44-4d8e-9c1e-2b1f6d7b9a10'`);
    expect(await helmReleaseNames(namespace)).toEqual([]);
  });

  it('answers 409 with the existing system_id for a POST of a release that already exists, and leaves it alone', async () => {
    const release = uniqueName('nats-dup');
    const namespace = uniqueName('ns');
    const body = { kubeconfig: testKubeconfig(), helm_values: {}, release_name: release, org_ids: 'org001', cluster_id: 'c1', name: 'dup', namespace };
    const first = await http.post(`${stack.baseUrl}/exchange`, body);
    expect(first.status).toBe(200);
    const second = await http.post(`${stack.baseUrl}/exchange`, { ...body, helm_values: { 'config.cluster.enabled': true, 'config.cluster.replicas': 5 } });
    expect(second.status).toBe(409);
    expect(second.data).toMatchObject({ success: false, error_type: 'ExchangeAlreadyExists', existing_system_id: first.data.system_id });
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    expect((await helmValues(release, namespace)).config).not.toMatchObject({ cluster: { replicas: 5 } });
  });

  it('lets exactly one of 10 concurrent POSTs of one release deploy; the others get 409', async () => {
    const release = uniqueName('nats-race');
    const namespace = uniqueName('ns');
    const body = { kubeconfig: testKubeconfig(), helm_values: {}, release_name: release, org_ids: 'org-race', cluster_id: 'c1', name: 'race', namespace };
    const answers = await Promise.all(Array.from({ length: 10 }, () => http.post(`${stack.baseUrl}/exchange`, body)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 200)!;
    for (const loser of answers.filter((a) => a.status === 409)) {
      expect(loser.data.success).toBe(false);
      expect(loser.data.existing_system_id ?? loser.data.system_id).toBe(winner.data.system_id);
    }
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    const records = await stack.store.list({ org_id: 'org-race' }, { limit: 100 });
    expect(records.items.map((r) => r.system_id)).toEqual([winner.data.system_id]);
  });

  it('runs one of a concurrent PUT and DELETE and answers the other 409, without a helm lock error', async () => {
    const release = uniqueName('nats-busy');
    const namespace = uniqueName('ns');
    const kubeconfig = testKubeconfig();
    const post = await http.post(`${stack.baseUrl}/exchange`, { kubeconfig, helm_values: {}, release_name: release, org_ids: 'org001', cluster_id: 'c1', name: 'busy', namespace });
    expect(post.status).toBe(200);
    const id = post.data.system_id as string;
    const [put, del] = await Promise.all([
      http.put(`${stack.baseUrl}/exchange/${id}`, { kubeconfig, release_name: release, namespace, helm_values: { 'promExporter.enabled': true } }),
      http.delete(`${stack.baseUrl}/exchange/${id}`, { data: { kubeconfig, release_name: release, namespace } }),
    ]);
    expect([put.status, del.status].sort()).toEqual([200, 409]);
    const refused = put.status === 409 ? put : del;
    // either the DELETE found the PUT running and cancelled it (DELETE wins), or the PUT found the DELETE running
    expect(refused.data.success).toBe(false);
    if (refused === put && put.data.error_type === 'OperationCancelled') expect(put.data.error).toMatch(/cancelled/);
    else {
      expect(refused.data.error_type).toBe('OperationInProgress');
      expect(refused.data.error).toMatch(/is busy: (updateExchange|removeExchange) is running/);
    }
    expect(JSON.stringify([put.data, del.data])).not.toMatch(/another operation/);
  });

  it('lists exchanges by org, shows one with its latest operation, and 404s an unknown id', async () => {
    const namespace = uniqueName('ns');
    const kubeconfig = testKubeconfig();
    const orgA = uniqueName('orga');
    const mk = (release: string, org: string) =>
      http.post(`${stack.baseUrl}/exchange`, { kubeconfig, helm_values: {}, release_name: release, org_ids: org, cluster_id: 'c-list', name: release, namespace });
    const [a1, a2, b1] = await Promise.all([mk(uniqueName('la'), orgA), mk(uniqueName('lb'), `${orgA},shared`), mk(uniqueName('lc'), 'other-org')]);
    expect([a1.status, a2.status, b1.status]).toEqual([200, 200, 200]);
    const list = await http.get(`${stack.baseUrl}/exchange`, { params: { org_id: orgA } });
    expect(list.status).toBe(200);
    expect(list.data.items.map((r: { system_id: string }) => r.system_id).sort()).toEqual([a1.data.system_id, a2.data.system_id].sort());
    const paged = await http.get(`${stack.baseUrl}/exchange`, { params: { org_id: orgA, limit: 1 } });
    expect(paged.data.items).toHaveLength(1);
    expect(paged.data.next_cursor).toEqual(expect.any(String));

    const one = await http.get(`${stack.baseUrl}/exchange/${b1.data.system_id}`);
    expect(one.status).toBe(200);
    expect(one.data).toMatchObject({
      success: true,
      exchange: { system_id: b1.data.system_id, org_ids: ['other-org'] },
      latest_operation: { operation: 'deploy', status: 'succeeded', step: 'done', operation_id: b1.data.operation_id },
    });
    const missing = await http.get(`${stack.baseUrl}/exchange/7d9f3c1e-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.data.success).toBe(false);
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
