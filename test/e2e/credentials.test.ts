// Callers hand the service their cluster credentials. This suite follows a kubeconfig with a recognisable token
// and client key through the whole path and looks for it where it must not be: Temporal's history as the
// server stores it. The codec server, with the key, decodes that same history.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { execa } from 'execa';
import { helmReleaseNames, testKubeconfig } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { startStack, type Stack } from '../support/stack.js';

const API_TOKEN = 'e2e-api-token-6f1d2c';
const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });
const authed = { headers: { Authorization: `Bearer ${API_TOKEN}` } };

/** A real client key and certificate (self-signed; the test API server authenticates by token). */
async function clientKeyPair(): Promise<{ keyData: string; certData: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'creds-'));
  try {
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=e2e-client']);
    return {
      keyData: (await readFile(join(dir, 'k.pem'))).toString('base64'),
      certData: (await readFile(join(dir, 'c.pem'))).toString('base64'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('credentials through the whole path', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ apiTokens: [API_TOKEN] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses requests without a token (401) or with a wrong one (403), and serves them with the right one', async () => {
    const noToken = await http.get(`${stack.baseUrl}/exchange`);
    expect(noToken.status).toBe(401);
    expect(noToken.headers['www-authenticate']).toBe('Bearer');
    const wrong = await http.get(`${stack.baseUrl}/exchange`, { headers: { Authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(403);
    const health = await http.get(`${stack.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ok = await http.get(`${stack.baseUrl}/exchange`, authed);
    expect(ok.status).toBe(200);
  });

  it('deploys with a token and client key that never appear in the stored history, which the codec server decodes', async () => {
    const release = uniqueName('nats-creds');
    const namespace = uniqueName('ns');
    const { keyData, certData } = await clientKeyPair();
    const kubeconfig = testKubeconfig();
    const user = (kubeconfig.users as Array<{ user: Record<string, unknown> }>)[0]!.user;
    const token = user.token as string;
    user['client-key-data'] = keyData;
    user['client-certificate-data'] = certData;

    const post = await http.post(
      `${stack.baseUrl}/exchange`,
      { kubeconfig, helm_values: { 'config.jetstream.enabled': true }, release_name: release, org_ids: 'org001', cluster_id: 'c-creds', name: 'creds', namespace },
      authed,
    );
    expect(post.status).toBe(200);
    expect(await helmReleaseNames(namespace)).toEqual([release]);

    // what the Temporal server holds, read without the key
    const history = await stack.rawClient.workflow.getHandle(post.data.workflow_id as string).fetchHistory();
    const stored = JSON.stringify(history);
    const keyPem = Buffer.from(keyData, 'base64').toString();
    const keyBody = keyPem.split('\n')[5]!; // a line from the middle of the PEM body
    for (const secret of [token, keyData, keyData.slice(100, 160), keyBody, Buffer.from(token).toString('base64')]) {
      expect(stored).not.toContain(secret);
    }
    const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
    const wire = started.input!.payloads!.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    }));
    expect(Buffer.from(wire[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');

    // the codec server (authenticated like the API) turns the same payloads back into the input
    const refused = await http.post(`${stack.baseUrl}/codec/decode`, { payloads: wire }, { headers: { 'X-Namespace': 'default' } });
    expect(refused.status).toBe(401);
    type Input = { releaseName: string; kubeconfig: { users: Array<{ user: Record<string, string> }> } };
    const inputOf = (res: { data: { payloads: Array<{ data: string }> } }) => JSON.parse(Buffer.from(res.data.payloads[0]!.data, 'base64').toString()) as Input;
    // credentials are redacted by default, for an admin too
    const decoded = await http.post(`${stack.baseUrl}/codec/decode`, { payloads: wire }, { headers: { ...authed.headers, 'X-Namespace': 'default' } });
    expect(decoded.status).toBe(200);
    expect(inputOf(decoded).releaseName).toBe(release);
    expect(inputOf(decoded).kubeconfig.users[0]!.user.token).toBe('<redacted>');
    const decodedText = Buffer.from(decoded.data.payloads[0].data as string, 'base64').toString();
    for (const secret of [token, keyData, certData]) expect(decodedText).not.toContain(secret);
    // an admin may ask for the whole payload
    const whole = await http.post(`${stack.baseUrl}/codec/decode?redact=false`, { payloads: wire }, { headers: { ...authed.headers, 'X-Namespace': 'default' } });
    expect(whole.status).toBe(200);
    const input = inputOf(whole);
    expect(input.releaseName).toBe(release);
    expect(input.kubeconfig.users[0]!.user.token).toBe(token);
    expect(input.kubeconfig.users[0]!.user['client-key-data']).toBe(keyData);

    const del = await http.delete(`${stack.baseUrl}/exchange/${post.data.system_id}`, { data: { kubeconfig, release_name: release, namespace }, ...authed });
    expect(del.status).toBe(200);
  });
});
