// Malformed and hostile requests against the whole stack (API, registry, real Temporal, real worker, real
// cluster): every one is refused with a 4xx that names what is wrong, echoes no credential, starts no workflow,
// installs nothing and leaves the process serving.
// The case table is in bad-input-cases.ts, its fixtures in bad-input-fixtures.ts.
import { existsSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { helmReleaseNames } from '../support/cluster.js';
import { uniqueName } from '../support/env.js';
import { startStack, type Stack } from '../support/stack.js';
import { cases } from './bad-input-cases.js';
import { AUTH_PROVIDER_MARKER, EXEC_MARKER, HOSTILE_TOKEN, markerDir, NS, REAL_TOKEN, validDelete, validPost, type Case } from './bad-input-fixtures.js';

interface Reply {
  status: number;
  text: string;
  body: { success?: unknown; error?: unknown; details?: Array<{ field: string; reason: string }> } | undefined;
  headers: IncomingHttpHeaders;
}

let stack: Stack;

/** A raw HTTP/1.1 request, so paths, headers and bodies reach the server exactly as written here. */
function send(c: Pick<Case, 'method' | 'path' | 'body' | 'contentType' | 'headers'>): Promise<Reply> {
  const base = new URL(stack.baseUrl);
  const headers: Record<string, string> = { ...c.headers };
  const payload = c.body === undefined ? undefined : Buffer.from(c.body, 'utf8');
  if (payload) {
    headers['Content-Type'] = c.contentType ?? 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ host: base.hostname, port: base.port, method: c.method, path: c.path, headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Reply['body'];
        try {
          body = JSON.parse(text) as Reply['body'];
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, body, headers: res.headers });
      });
    });
    // a server that refuses an oversized body early may close the socket while it is still being written
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(payload);
  });
}

async function workflowsOnTaskQueue(): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of stack.client.workflow.list({ query: `TaskQueue="${stack.taskQueue}"` })) ids.push(wf.workflowId);
  return ids;
}

describe('malformed and hostile requests against the real stack', () => {
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(markerDir, { recursive: true, force: true });
  });

  it('the table has every case once', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name → $status', async (c) => {
    const res = await send(c);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: c.status, body: { success: false } });
    const mentions = Array.isArray(c.error) ? c.error : [c.error];
    const named = c.inDetails ? (res.body?.details ?? []).map((d) => `${d.field}: ${d.reason}`).join('\n') : String(res.body?.error);
    for (const m of mentions) expect(named).toContain(m);
    expect(res.text).not.toContain(REAL_TOKEN);
    expect(res.text).not.toContain(HOSTILE_TOKEN);
    expect(res.text.length).toBeLessThan(8 * 1024); // nothing large is echoed back
    expect(existsSync(EXEC_MARKER)).toBe(false);
    expect(existsSync(AUTH_PROVIDER_MARKER)).toBe(false);
  });

  describe('afterwards', () => {
    it('no workflow was started on the stack task queue', async () => {
      expect(await workflowsOnTaskQueue()).toEqual([]);
    });

    it('no helm release exists in the suite namespace and the registry is empty', async () => {
      expect(await helmReleaseNames(NS)).toEqual([]);
      expect((await stack.store.list({}, { limit: 100 })).items).toEqual([]);
    });

    it('the process is alive', async () => {
      const res = await send({ method: 'GET', path: '/healthz' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('a valid POST still deploys, and its DELETE removes it', async () => {
      const release = uniqueName('nats-after-bad');
      const post = await send({ method: 'POST', path: '/exchange', body: JSON.stringify(validPost({ release_name: release })) });
      expect(post.status).toBe(200);
      expect(post.body).toMatchObject({ success: true, release_name: release, namespace: NS });
      expect(await helmReleaseNames(NS)).toEqual([release]);
      const systemId = (post.body as { system_id: string }).system_id;
      // the visibility query that found nothing above does see a workflow that was started
      const workflowId = (post.body as { workflow_id: string }).workflow_id;
      for (let i = 0; i < 50 && !(await workflowsOnTaskQueue()).includes(workflowId); i++) await new Promise((ok) => setTimeout(ok, 200));
      expect(await workflowsOnTaskQueue()).toEqual([workflowId]);
      const del = await send({ method: 'DELETE', path: `/exchange/${systemId}`, body: JSON.stringify(validDelete({ release_name: release })) });
      expect(del.status).toBe(200);
      expect(del.body).toMatchObject({ success: true, release_uninstalled: true, record_deleted: true });
      expect(await helmReleaseNames(NS)).toEqual([]);
      expect(existsSync(EXEC_MARKER)).toBe(false);
    });
  });
});
