// A chart from a repository is downloaded once per version, not once per deploy (activities/chart-cache.ts): a
// chart repository served on loopback by this test counts what helm asks it for while three exchanges deploy.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import axios from 'axios';
import { execa } from 'execa';
import { helmReleaseNames } from '../support/cluster.js';
import { testEnv, uniqueName } from '../support/env.js';
import { exchangeBody, targetBody } from '../support/requests.js';
import { startStack, type Stack } from '../support/stack.js';

const http = axios.create({ validateStatus: () => true, headers: { 'Content-Type': 'application/json' } });

interface Repo {
  url: string;
  /** Requests seen, by path below the repository URL (index.yaml, nats-2.14.2.tgz, …). */
  requests: Map<string, number>;
  close(): Promise<void>;
}

/** A static chart repository over `dir`, below a random path: the chart cache keys by URL, so no earlier run's copy counts. */
async function serveRepo(dir: string): Promise<Repo> {
  const prefix = `/${uniqueName('charts')}`;
  const requests = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const name = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : '';
    requests.set(name || path, (requests.get(name || path) ?? 0) + 1);
    // only plain file names of the directory are served: nothing else is a repository file
    if (!/^[\w.-]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dir, name)).then(
      (body) => res.writeHead(200, { 'Content-Type': name.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

describe('a chart from a repository', () => {
  let dir: string;
  let repo: Repo;
  let stack: Stack;
  const chartFile = basename(testEnv().chart);

  beforeAll(async () => {
    const env = testEnv();
    dir = await mkdtemp(join(tmpdir(), 'ned-chart-repo-'));
    await copyFile(env.chart, join(dir, chartFile));
    repo = await serveRepo(dir);
    // the index names the chart's URL, so it is written once the port is known
    await execa(env.helmBin, ['repo', 'index', dir, '--url', repo.url]);
    stack = await startStack({ chartSource: { chart: 'nats', repoUrl: repo.url, version: '2.14.2' }, helmTimeoutSeconds: 120 });
  });
  afterAll(async () => {
    await stack?.close();
    await repo?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is downloaded once for three deploys, all of which are deployed', async () => {
    const namespace = uniqueName('ns');
    const releases = [1, 2, 3].map(() => uniqueName('repo'));
    // at once: the three deploys meet on one in-flight pull
    const posts = await Promise.all(releases.map((r) => http.post(`${stack.baseUrl}/exchange`, exchangeBody(r, namespace, { 'config.jetstream.enabled': true }))));
    const seen = Object.fromEntries(repo.requests);
    console.log(`chart repository requests during 3 deploys: ${JSON.stringify(seen)}`);
    try {
      expect(posts.map((p) => p.status)).toEqual([200, 200, 200]);
      expect((await helmReleaseNames(namespace)).sort()).toEqual([...releases].sort());
      expect(repo.requests.get(chartFile)).toBe(1);
      // helm pull reads the index once to find the chart's URL; the deploys themselves fetch nothing
      expect(repo.requests.get('index.yaml')).toBe(1);
      expect([...repo.requests.keys()].sort()).toEqual([chartFile, 'index.yaml'].sort());
    } finally {
      const removed = await Promise.all(
        posts
          .map((p, i) => ({ id: p.data?.system_id as string | undefined, release: releases[i]! }))
          .filter((x) => x.id)
          .map((x) => http.delete(`${stack.baseUrl}/exchange/${x.id}`, { data: targetBody(x.release, namespace) })),
      );
      expect(removed.map((r) => r.status)).toEqual(removed.map(() => 200));
    }
    expect(await helmReleaseNames(namespace)).toEqual([]);
  });
});
