// The chart's values schema and the operator's values policy on the running stack: refused values answer 4xx
// naming the key, and nothing starts — no workflow, no release, no record. Plus POST …/cancel.
import axios from 'axios';
import { helmReleaseNames } from '../support/cluster.js';
import { NEVER_READY, uniqueName } from '../support/env.js';
import { eventually } from '../support/eventually.js';
import { exchangeBody, targetBody } from '../support/requests.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

describe('helm_values the chart or the operator refuses', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** POSTs the values and checks that nothing at all was started for that release. */
  async function refused(values: Record<string, unknown>) {
    const release = uniqueName('nats-bad');
    const namespace = uniqueName('ns');
    const r = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace, values));
    expect(r.data.system_id).toBeUndefined(); // refused before an exchange id is even derived
    const started: string[] = [];
    for await (const wf of stack.client.workflow.list({ query: `ReleaseName="${release}"` })) started.push(wf.workflowId);
    expect(started).toEqual([]);
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect((await stack.store.list({}, { limit: 1000 })).items.filter((x) => x.release_name === release)).toEqual([]);
    return r;
  }

  it('a typo answers 400 naming the key, with the nearest key', async () => {
    const r = await refused({ 'config.jetstream.enabeld': true });
    expect(r.status).toBe(400);
    expect(r.data).toMatchObject({ success: false, error_type: 'InvalidValues' });
    expect(r.data.error).toContain('config.jetstream.enabeld is not a value of the nats chart 2.14.2 (did you mean config.jetstream.enabled?)');
    expect(r.data.details).toEqual([expect.objectContaining({ field: 'helm_values.config.jetstream.enabeld' })]);
  });

  it('a numeric volume size answers 400: it would render a 5-byte volume', async () => {
    const r = await refused({ 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': 5 });
    expect(r.status).toBe(400);
    expect(r.data.error).toContain('config.jetstream.fileStore.pvc.size must be string');
  });

  it.each([
    [{ extraResources: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', roleRef: { name: 'cluster-admin' } }] }, 'extraResources', 'allowed'],
    [{ namespaceOverride: 'kube-system' }, 'namespaceOverride', 'allowed'],
    [{ 'config.merge': { $tplYaml: 'a: &a [x,x]\nb: [*a,*a]' } }, 'config.merge.$tplYaml', 'templateKeys'],
    [{ 'container.merge': { $tplYaml: 'securityContext:\n  privileged: true' } }, 'container.merge.$tplYaml', 'templateKeys'],
    [{ 'container.image.tag': '2.14\nsecurityContext: {privileged: true}' }, 'container.image.tag', 'controlCharacters'],
    [{ 'podTemplate.merge.spec.serviceAccountName': 'default' }, 'podTemplate.merge.spec.serviceAccountName', 'no-pod-security-changes'],
    [{ 'podTemplate.merge.spec.hostNetwork': true }, 'podTemplate.merge.spec.hostNetwork', 'no-pod-security-changes'],
    [{ 'container.merge.securityContext.privileged': true }, 'container.merge.securityContext.privileged', 'no-pod-security-changes'],
    [{ 'container.image.repository': 'attacker/nats' }, 'container.image.repository', 'no-image-source-change'],
    [{ 'config.merge.x': '{{ range until 3000000 }}x{{ end }}' }, 'config.merge.x', 'templateStrings'],
  ])('%j answers 422 naming the key and the rule', async (values, key, rule) => {
    const r = await refused(values);
    expect(r.status).toBe(422);
    expect(r.data).toMatchObject({ success: false, error_type: 'ValuesPolicy' });
    expect(r.data.error).toContain(`${key} (rule ${rule}:`);
  });

  it('a request that sets a key under a section and switches that section off answers 422 naming both', async () => {
    const r = await refused({ 'config.websocket.enabled': false, 'config.websocket.port': 8080 });
    expect(r.status).toBe(422);
    expect(r.data).toMatchObject({ error_type: 'ContradictoryValues' });
    expect(r.data.error).toContain('config.websocket.port needs config.websocket.enabled, which the same request sets to false');
  });

  it('callers can read the schema and the policy', async () => {
    const schema = await http.get(`${stack.baseUrl}/chart/values-schema`);
    expect(schema.status).toBe(200);
    expect(schema.data.properties.config.properties.cluster.properties.replicas).toMatchObject({ type: 'integer', minimum: 1 });
    const policy = await http.get(`${stack.baseUrl}/chart/values-policy`);
    expect(policy.data).toMatchObject({ chart_version: '2.14.2', templateStrings: 'deny' });
    expect(policy.data.rules.map((r: { name: string }) => r.name)).toContain('no-pod-security-changes');
    expect(policy.data.allowed).toContain('config/**');
  });

  it('POST …/cancel stops a running deploy (its saga uninstalls) and leaves nothing; with nothing running it answers 409', async () => {
    const release = uniqueName('nats-cancel');
    const namespace = uniqueName('ns');
    const started = await http.post(`${stack.baseUrl}/exchange`, exchangeBody(release, namespace, NEVER_READY), { headers: { Prefer: 'respond-async' } });
    expect(started.status).toBe(202);
    const id = started.data.system_id as string;
    await eventually('helm to be waiting for pods', async () => ((await helmReleaseNames(namespace)).includes(release) ? true : undefined), 60_000);
    const cancelled = await http.post(`${stack.baseUrl}/exchange/${id}/cancel`, targetBody(release, namespace));
    expect(cancelled.status).toBe(200);
    expect(cancelled.data).toMatchObject({ success: true, cancelled_operation: 'deploy', status: 'cancelled' });
    expect(await helmReleaseNames(namespace)).toEqual([]);
    expect(await stack.store.get(id)).toBeNull();
    const again = await http.post(`${stack.baseUrl}/exchange/${id}/cancel`, targetBody(release, namespace));
    expect([404, 409]).toContain(again.status);
  });
});
