// The original API document's own requests (../shared/SEED.md), read from the document itself and sent as
// printed — only the kubeconfig (`{ ... }` in the document) and the system_id in the path substituted — in the
// document's order: the POST, the PUT, the DELETE. Each must answer the documented status and message.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import axios from 'axios';
import { helm, helmReleaseNames, helmValues, pods, testKubeconfig } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

interface SeedRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  body: Record<string, unknown>;
}

/** The curl examples of the document: method and body, the body's `{ ... }` kubeconfig filled in. */
function seedRequests(kubeconfig: Record<string, unknown>): SeedRequest[] {
  const doc = readFileSync(resolve(process.cwd(), '../shared/SEED.md'), 'utf8');
  const out: SeedRequest[] = [];
  for (const m of doc.matchAll(/curl -X (POST|PUT|DELETE) [^\n]*\n(?:[^\n]*\n)*?\s*-d '([\s\S]*?)'\n/g)) {
    const text = m[2]!.replace('"kubeconfig": { ... }', '"kubeconfig": {}');
    const body = JSON.parse(text) as Record<string, unknown>;
    body.kubeconfig = kubeconfig;
    out.push({ method: m[1] as SeedRequest['method'], body });
  }
  return out;
}

const byMethod = (all: SeedRequest[], m: SeedRequest['method']) => all.find((r) => r.method === m)!.body;

describe("the seed document's requests, verbatim", () => {
  let stack: Stack;
  const namespace = 'communication'; // the document's default: none of its bodies names one
  beforeAll(async () => {
    stack = await startStack();
    // a leftover of an earlier, interrupted run of this test (the release name is the document's)
    for (const r of ['nats-global-exchange', 'nats-ice-01']) {
      if ((await helmReleaseNames(namespace)).includes(r)) await helm(['uninstall', r, '--namespace', namespace, '--wait']);
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the document has a POST, a PUT and a DELETE example, each with a body', () => {
    expect(seedRequests({}).map((r) => r.method)).toEqual(['POST', 'DELETE', 'PUT']);
  });

  it('POST, PUT, DELETE as printed: documented answers, 5 Ready pods after the PUT, the PUT merged over the POST', async () => {
    const requests = seedRequests(testKubeconfig());
    const postBody = byMethod(requests, 'POST');
    const putBody = byMethod(requests, 'PUT');
    const deleteBody = byMethod(requests, 'DELETE');
    expect(putBody.helm_values).toEqual({ 'config.cluster.replicas': 5, 'promExporter.enabled': true });

    const post = await http.post(`${stack.baseUrl}/exchange`, postBody);
    expect(post.status).toBe(200);
    expect(post.data).toMatchObject({ success: true, release_name: 'nats-global-exchange', namespace, public_url: 'https://127.0.0.1/nats/nats-global-exchange' });
    expect(post.data.system_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(post.data.implied).toBeUndefined();
    const systemId = post.data.system_id as string;

    // the document's PUT: replicas 5 needs clustering, which the service turns on with it and says so
    const put = await http.put(`${stack.baseUrl}/exchange/${systemId}`, putBody);
    expect(put.status).toBe(200);
    expect(put.data).toMatchObject({
      success: true,
      message: "Exchange 'nats-ice-01' updated successfully",
      implied: { 'config.cluster.enabled': true, because: 'config.cluster.replicas > 1' },
      implied_switches: [{ key: 'config.cluster.enabled', value: true, because: 'config.cluster.replicas > 1' }],
    });
    // the document's PUT names release nats-ice-01 for the exchange its POST deployed as nats-global-exchange:
    // the id decides, the answer says which release was upgraded
    expect(put.data.release_name).toBe('nats-global-exchange');
    expect(put.data.warnings).toEqual([expect.stringContaining("release 'nats-global-exchange' was upgraded")]);

    const values = await helmValues('nats-global-exchange', namespace);
    expect(values).toMatchObject({
      config: { cluster: { enabled: true, replicas: 5 }, jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } } },
      promExporter: { enabled: true },
    });
    const ready = await eventually('5 Ready pods', async () => {
      const ps = (await pods(namespace)).filter((p) => p.name.startsWith('nats-global-exchange-'));
      return ps.length === 5 && ps.every((p) => p.ready) ? ps : undefined;
    });
    expect(ready).toHaveLength(5);

    // the operation's history records what was implied: the update workflow's result
    const result = (await stack.client.workflow.getHandle(put.data.workflow_id as string, put.data.operation_id as string).result()) as { implied?: unknown };
    expect(result.implied).toEqual([{ key: 'config.cluster.enabled', value: true, because: 'config.cluster.replicas > 1' }]);

    const del = await http.delete(`${stack.baseUrl}/exchange/${systemId}`, { data: deleteBody });
    expect(del.status).toBe(200);
    expect(del.data).toMatchObject({ success: true, message: "Exchange 'nats-global-exchange' removed from cluster and DB" });
    expect(await helmReleaseNames(namespace)).not.toContain('nats-global-exchange');
    expect(await stack.store.get(systemId)).toBeNull();
  });

  it('a request that switches clustering off and asks for 5 replicas is refused, naming both keys; nothing deploys', async () => {
    const body: Record<string, unknown> = { ...byMethod(seedRequests(testKubeconfig()), 'POST'), release_name: 'nats-ice-01' };
    body.helm_values = { 'config.cluster.enabled': false, 'config.cluster.replicas': 5 };
    const r = await http.post(`${stack.baseUrl}/exchange`, body);
    expect(r.status).toBe(422);
    expect(r.data).toMatchObject({ success: false, error_type: 'ContradictoryValues' });
    expect(r.data.error).toContain('config.cluster.replicas');
    expect(r.data.error).toContain('config.cluster.enabled');
    expect(r.data.details).toEqual([expect.objectContaining({ field: 'helm_values.config.cluster.replicas', conflicts_with: 'config.cluster.enabled' })]);
    expect(await helmReleaseNames(namespace)).not.toContain('nats-ice-01');
  });
});
