// The Temporal Web UI finds a deployed exchange by its search attribute: headless Debian Chromium (driven by
// playwright-core; scripts/browser.sh installs it, nothing downloads a browser) opens the dev server's UI that
// scripts/test.sh starts, filters the workflow list by ReleaseName, opens the deploy and saves a screenshot to
// test-artifacts/. The browser reaches nothing but 127.0.0.1.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import express from 'express';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { TokenVerifier, requireBearer } from '../../src/api/auth.js';
import { createCodecRouter } from '../../src/api/codec-routes.js';
import { createCodec } from '../../src/temporal/data-converter.js';
import { testKubeconfig } from '../support/cluster.js';
import { requireEnv, uniqueName } from '../support/env.js';
import { startStack, type Stack } from '../support/stack.js';
import { eventually } from '../support/eventually.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts');
const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

/** Only loopback http(s) may leave the browser; everything else (the UI's news feed, say) is refused. */
function isLoopback(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

async function isVisible(locator: Locator, timeoutMs: number): Promise<boolean> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

/**
 * The Web UI's codec server, as people run it: the project's codec router over the test's payload keys, with CORS
 * for the UI's origin (which the test server puts on a free port). Without it the UI only has ciphertext to show.
 */
function startCodecServer(payloadKeys: string, uiOrigin: string): Promise<{ server: Server; url: string }> {
  const app = express();
  app.use('/codec', createCodecRouter(createCodec(payloadKeys), [uiOrigin], requireBearer(new TokenVerifier({ tokens: [] })), '4mb').router);
  return new Promise((ok) => {
    const server = app.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec` }));
  });
}

/** `Deploy exchange '<name>' (<release> in <namespace>)`, the API's static summary, with straight or curly quotes. */
function summaryPattern(d: { name: string; release: string; namespace: string }): RegExp {
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`Deploy exchange ['‘’]${esc(d.name)}['‘’] \\(${esc(d.release)} in ${esc(d.namespace)}\\)`);
}

interface Deployed {
  systemId: string;
  release: string;
  namespace: string;
  name: string;
}

describe('the Temporal Web UI', () => {
  let uiUrl: string;
  let stack: Stack | undefined;
  let codec: { server: Server; url: string } | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  const deployed: Deployed[] = [];

  beforeAll(async () => {
    // a browser test without the UI or the browser proves nothing: an error, never a skip
    if (!process.env.TEMPORAL_UI_URL) {
      throw new Error('TEMPORAL_UI_URL is not set: run the suite with `npm test` (scripts/test.sh starts the Temporal dev server with its Web UI)');
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/browser.sh (installs Debian's chromium)`);
    uiUrl = process.env.TEMPORAL_UI_URL.replace(/\/+$/, '');
    stack = await startStack();
    codec = await startCodecServer(requireEnv('PAYLOAD_KEYS'), new URL(uiUrl).origin);
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    if (stack) {
      const kubeconfig = testKubeconfig();
      for (const d of deployed) {
        await http.delete(`${stack.baseUrl}/exchange/${d.systemId}`, { data: { kubeconfig, release_name: d.release, namespace: d.namespace } });
      }
    }
    if (codec) await new Promise<void>((ok) => codec!.server.close(() => ok()));
    await stack?.close();
  });

  async function deploy(name: string): Promise<Deployed> {
    const release = uniqueName('nats-ui');
    const namespace = uniqueName('ns');
    const post = await http.post(`${stack!.baseUrl}/exchange`, {
      kubeconfig: testKubeconfig(),
      helm_values: { 'config.jetstream.enabled': true },
      release_name: release,
      org_ids: 'org-ui',
      cluster_id: 'local-test-cluster',
      name,
      namespace,
    });
    expect(post.status).toBe(200);
    expect(post.data).toMatchObject({ success: true, release_name: release, namespace });
    const d = { systemId: post.data.system_id as string, release, namespace, name };
    deployed.push(d);
    return d;
  }

  /** The visibility store is eventually consistent: wait until a list query sees the finished deploy. */
  async function visible(d: Deployed): Promise<void> {
    await eventually(
      `the deploy of ${d.release} in the visibility store`,
      async () => {
        for await (const wf of stack!.client.workflow.list({ query: `ReleaseName="${d.release}" AND ExchangeStatus="succeeded"` })) {
          if (wf.workflowId === `exchange-${d.systemId}` && wf.status.name === 'COMPLETED') return true;
        }
        return undefined;
      },
      60_000,
    );
  }

  it('lists a deployed exchange by its ReleaseName search attribute and shows its deploy workflow', async () => {
    const target = await deploy('Web UI Bus');
    const other = await deploy('Other Bus');
    await Promise.all([visible(target), visible(other)]);
    const workflowId = `exchange-${target.systemId}`;
    const otherId = `exchange-${other.systemId}`;

    userDataDir = mkdtempSync(join(tmpdir(), 'ned-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // belt and braces under page.route: no name outside loopback resolves
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      ],
      viewport: { width: 1440, height: 900 },
      timezoneId: 'UTC',
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      return isLoopback(url) ? route.continue() : route.abort('blockedbyclient');
    });
    // the UI's per-browser codec server setting (Data Encoder: endpoint, used over the server's own setting), as a
    // person would save it; the UI keeps it in localStorage
    await context.addInitScript((endpoint: string) => {
      // runs in the page (no DOM types in this project's lib)
      const { localStorage } = globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } };
      localStorage.setItem('endpoint', JSON.stringify(endpoint));
      localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
    }, codec!.url);

    const page: Page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    const listUrl = `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`ReleaseName="${target.release}"`)}`;
    try {
      await page.goto(listUrl, { waitUntil: 'domcontentloaded' });
      // a SPA over an eventually consistent store: reload until the row shows (bounded)
      const row = page.getByRole('link', { name: workflowId, exact: true });
      await eventually(
        `${workflowId} in the Web UI's list`,
        async () => {
          if (await isVisible(row, 5_000)) return true;
          await page.reload({ waitUntil: 'domcontentloaded' });
          return undefined;
        },
        90_000,
        0,
      );
      expect(new URL(page.url()).searchParams.get('query')).toBe(`ReleaseName="${target.release}"`);
      expect(await row.count()).toBe(1);
      expect(await page.getByText(otherId).count()).toBe(0);

      await row.first().click();
      await page.waitForURL((u) => u.pathname.startsWith(`/namespaces/default/workflows/${workflowId}/`), { timeout: 30_000 });
      await page.getByText(/^completed$/i).first().waitFor({ state: 'visible', timeout: 60_000 });
      await page.getByText('deployExchange', { exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 });
      // the static summary sits under "User Metadata"; it is encrypted like every payload, so the UI shows it only
      // after the codec server decoded it (rendered as markdown, with typographic quotes, in a frame of its own)
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      await page.waitForURL((u) => u.pathname.endsWith('/user-metadata'), { timeout: 30_000 });
      const summaryText = page.frameLocator('#user-metadata-summary').getByText(summaryPattern(target));
      await summaryText.first().waitFor({ state: 'visible', timeout: 60_000 });
      expect(await summaryText.count()).toBe(1);
      expect(await page.getByText('deployExchange', { exact: true }).count()).toBeGreaterThan(0);

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, `web-ui-${target.release}.png`);
      await page.screenshot({ path: shot, fullPage: true });
    } catch (err) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `web-ui-${target.release}-failure.png`), fullPage: true }).catch(() => undefined);
      throw err;
    }
    await context.close();
    context = undefined;

    // and the exchanges go away again
    const kubeconfig = testKubeconfig();
    while (deployed.length) {
      const d = deployed[0]!;
      const del = await http.delete(`${stack!.baseUrl}/exchange/${d.systemId}`, { data: { kubeconfig, release_name: d.release, namespace: d.namespace } });
      expect(del.status).toBe(200);
      expect(del.data).toMatchObject({ success: true, message: `Exchange '${d.release}' removed from cluster and DB` });
      deployed.shift();
    }
  });
});
