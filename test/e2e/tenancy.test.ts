// Trust boundaries on the real stack (HTTP → Temporal → helm → kube-apiserver → registry): principals with roles
// and orgs, ownership checked before anything runs, the registry's writes kept to registry-writer, decoded
// history with credentials redacted, and a kubeconfig for another cluster refused before it is used.
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { DEFAULT_KUBECONFIG_POLICY, resolveKubeconfig } from '../../src/domain/kubeconfig.js';
import { sha256, type PrincipalConfig } from '../../src/api/auth.js';
import type { Role } from '../../src/http/access.js';
import { clusterFingerprint } from '../../src/api/cluster-fingerprint.js';
import { helmReleaseNames, helmValues, testKubeconfig, testKubeconfigToken } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

const tokenOf = (name: string) => `e2e-tenancy-${name}-token`;
const principal = (name: string, roles: Role[], orgs: string[] = []): PrincipalConfig => ({ name, token_sha256: sha256(tokenOf(name)).toString('hex'), roles, orgs });
const as = (name: string) => ({ headers: { Authorization: `Bearer ${tokenOf(name)}`, 'X-Namespace': 'default' } });

const PRINCIPALS = [
  principal('deployer-a', ['deployer'], ['org-a']),
  principal('deployer-b', ['deployer'], ['org-b']),
  principal('writer', ['registry-writer']),
  principal('codec', ['codec-viewer']),
];

type Kc = { clusters: Array<{ cluster: Record<string, unknown> }> } & Record<string, unknown>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Counts every TCP connection made to it: a kubeconfig pointed here must never be used. */
async function connectionCounter(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

describe('tenancy and trust boundaries on the real stack', () => {
  let stack: Stack;
  const namespace = uniqueName('ns-tenancy');
  const release = uniqueName('nats-tenant-a');
  const kubeconfig = testKubeconfig() as Kc;
  let systemId: string;
  let deployWorkflowId: string;
  let deployOperationId: string;

  const exchangeBody = () => ({ kubeconfig, release_name: release, namespace });
  const recordNow = () => stack.store.get(systemId);

  beforeAll(async () => {
    // the worker writes to /backbones with the registry-writer's token, as REGISTRY_TOKEN would in production
    stack = await startStack({ apiTokens: ['e2e-tenancy-admin'], principals: PRINCIPALS, registryToken: tokenOf('writer') });
    const post = await http.post(
      `${stack.baseUrl}/exchange`,
      // replicas take effect only with clustering on (the API refuses ineffective overrides)
      { kubeconfig, helm_values: { 'config.cluster.enabled': true, 'config.cluster.replicas': 3 }, release_name: release, org_ids: 'org-a', cluster_id: 'tenancy-cluster', name: 'Tenant A', namespace },
      as('deployer-a'),
    );
    if (post.status !== 200) throw new Error(`deploy of exchange A failed: ${post.status} ${JSON.stringify(post.data)}`);
    systemId = post.data.system_id as string;
    deployWorkflowId = post.data.workflow_id as string;
    deployOperationId = post.data.operation_id as string;
  });

  afterAll(async () => {
    if (stack && systemId) await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: exchangeBody(), ...as('deployer-a') });
    await stack?.close();
  });

  it('deployed exchange A for org-a, its record holding the fingerprint of the cluster and no credential', async () => {
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    const record = await recordNow();
    expect(record).toMatchObject({ system_id: systemId, org_ids: ['org-a'], release_name: release, namespace });
    // the test cluster listens on loopback, which the stack's policy allows (as KUBE_SERVER_ALLOWLIST would)
    const minimal = resolveKubeconfig(kubeconfig, { ...DEFAULT_KUBECONFIG_POLICY, serverAllowlist: ['127.0.0.1'] }).minimal;
    expect(record?.cluster_fingerprint).toBe(clusterFingerprint(minimal));
    expect(JSON.stringify(record)).not.toContain(testKubeconfigToken());
  });

  it('refuses a POST into an org the caller is not in (403), and deploys nothing', async () => {
    const other = uniqueName('nats-tenant-x');
    const res = await http.post(
      `${stack.baseUrl}/exchange`,
      { kubeconfig, helm_values: {}, release_name: other, org_ids: 'org-a,org-b', cluster_id: 'tenancy-cluster', name: 'X', namespace },
      as('deployer-a'),
    );
    expect(res.status).toBe(403);
    expect(res.data).toMatchObject({ success: false, org_id: 'org-b' });
    expect(await helmReleaseNames(namespace)).toEqual([release]);
  });

  it.each(['DELETE', 'PUT'])('%s of an unknown id naming A release answers 404 and leaves A alone', async (verb) => {
    const unknown = randomUUID();
    const res =
      verb === 'DELETE'
        ? await http.delete(`${stack.baseUrl}/exchange/${unknown}`, { data: exchangeBody(), ...as('deployer-a') })
        : await http.put(`${stack.baseUrl}/exchange/${unknown}`, { ...exchangeBody(), helm_values: { 'config.cluster.replicas': 1 } }, as('deployer-a'));
    expect(res.status).toBe(404);
    expect(res.data).toEqual({ success: false, error: `No exchange with system_id '${unknown}'` });
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    expect((await helmValues(release, namespace)).config).toMatchObject({ cluster: { replicas: 3 } });
    expect(await recordNow()).not.toBeNull();
  });

  it('answers another org GET, PUT and DELETE of A with 404, and A keeps its record and release', async () => {
    const get = await http.get(`${stack.baseUrl}/exchange/${systemId}`, as('deployer-b'));
    expect(get.status).toBe(404);
    const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: exchangeBody(), ...as('deployer-b') });
    expect(del.status).toBe(404);
    expect(del.data).toEqual({ success: false, error: `No exchange with system_id '${systemId}'` });
    const put = await http.put(`${stack.baseUrl}/exchange/${systemId}`, { ...exchangeBody(), helm_values: { 'config.cluster.replicas': 1 } }, as('deployer-b'));
    expect(put.status).toBe(404);
    const list = await http.get(`${stack.baseUrl}/exchange`, as('deployer-b'));
    expect((list.data.items as Array<{ system_id: string }>).map((i) => i.system_id)).not.toContain(systemId);
    expect(await recordNow()).toMatchObject({ system_id: systemId });
    expect(await helmReleaseNames(namespace)).toEqual([release]);
    // the owner still sees it
    expect((await http.get(`${stack.baseUrl}/exchange/${systemId}`, as('deployer-a'))).status).toBe(200);
  });

  it('refuses /backbones writes without registry-writer (403)', async () => {
    const rec = { system_id: randomUUID(), name: 'forged', release_name: 'forged', namespace, cluster_id: 'tenancy-cluster', org_ids: ['org-a'], public_url: 'nats://127.0.0.1:4222' };
    const post = await http.post(`${stack.baseUrl}/backbones`, rec, as('deployer-a'));
    expect(post.status).toBe(403);
    expect(await stack.store.get(rec.system_id)).toBeNull();
    const del = await http.delete(`${stack.baseUrl}/backbones/${systemId}`, as('deployer-a'));
    expect(del.status).toBe(403);
    expect(await recordNow()).not.toBeNull();
    // reads are narrowed to the caller orgs; the registry-writer reads everything
    expect((await http.get(`${stack.baseUrl}/backbones/${systemId}`, as('deployer-b'))).status).toBe(404);
    expect((await http.get(`${stack.baseUrl}/backbones/${systemId}`, as('writer'))).status).toBe(200);
  });

  it('decodes history only for codec-viewer, and then with the credentials redacted', async () => {
    const history = await stack.rawClient.workflow.getHandle(deployWorkflowId, deployOperationId).fetchHistory();
    const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
    const payloads = started.input!.payloads!.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    }));
    const refused = await http.post(`${stack.baseUrl}/codec/decode`, { payloads }, as('deployer-a'));
    expect(refused.status).toBe(403);

    const decoded = await http.post(`${stack.baseUrl}/codec/decode`, { payloads }, as('codec'));
    expect(decoded.status).toBe(200);
    const text = Buffer.from(decoded.data.payloads[0].data as string, 'base64').toString();
    expect(text).not.toContain(testKubeconfigToken());
    const input = JSON.parse(text) as { releaseName: string; kubeconfig: Kc & { users: Array<{ user: Record<string, unknown> }> } };
    expect(input.releaseName).toBe(release);
    expect(input.kubeconfig.users[0]!.user.token).toBe('<redacted>');
    // which cluster stays visible
    expect(input.kubeconfig.clusters[0]!.cluster.server).toBe(kubeconfig.clusters[0]!.cluster.server);
    expect((await http.post(`${stack.baseUrl}/codec/decode?redact=false`, { payloads }, as('codec'))).status).toBe(403);
  });

  it('refuses a PUT or DELETE whose kubeconfig names another cluster (409), before connecting to it', async () => {
    // without a fingerprint on the record nothing could be refused: fail here rather than send helm to the counter
    expect((await recordNow())?.cluster_fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // respond-async: should the check ever let one through, the answer is a quick 202, not a wait on helm
    const asyncAs = (name: string) => ({ headers: { ...as(name).headers, Prefer: 'respond-async' } });
    const counter = await connectionCounter();
    try {
      const server = new URL(kubeconfig.clusters[0]!.cluster.server as string);
      server.port = String(counter.port);
      const otherPort = clone(kubeconfig);
      otherPort.clusters[0]!.cluster.server = server.toString();
      const otherCa = clone(kubeconfig);
      otherCa.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from('-----BEGIN CERTIFICATE-----\nnot this cluster\n-----END CERTIFICATE-----\n').toString('base64');

      for (const other of [otherPort, otherCa]) {
        const put = await http.put(`${stack.baseUrl}/exchange/${systemId}`, { kubeconfig: other, release_name: release, namespace, helm_values: { 'config.cluster.replicas': 1 } }, asyncAs('deployer-a'));
        expect(put.status).toBe(409);
        expect(put.data).toMatchObject({ success: false, error_type: 'ClusterMismatch', system_id: systemId });
        const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: { kubeconfig: other, release_name: release, namespace }, ...asyncAs('deployer-a') });
        expect(del.status).toBe(409);
        expect(del.data).toMatchObject({ success: false, error_type: 'ClusterMismatch' });
      }
      expect(counter.connections()).toBe(0);
      // no workflow ran: the latest operation is still the deploy, and A is as it was
      const shown = await http.get(`${stack.baseUrl}/exchange/${systemId}`, as('deployer-a'));
      expect(shown.data.latest_operation).toMatchObject({ operation_id: deployOperationId, operation: 'deploy' });
      expect(await helmReleaseNames(namespace)).toEqual([release]);
      expect((await helmValues(release, namespace)).config).toMatchObject({ cluster: { replicas: 3 } });
    } finally {
      await counter.close();
    }
  });

  it('lets the owner change and remove A with the kubeconfig of its own cluster', async () => {
    const put = await http.put(`${stack.baseUrl}/exchange/${systemId}`, { ...exchangeBody(), helm_values: { 'config.cluster.replicas': 2 } }, as('deployer-a'));
    expect(put.status).toBe(200);
    const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: exchangeBody(), ...as('deployer-a') });
    expect(del.status).toBe(200);
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await recordNow()).toBeNull();
    // gone now: a repeated DELETE finds no exchange
    const again = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: exchangeBody(), ...as('deployer-a') });
    expect(again.status).toBe(404);
  });
});
