// The floor the service is measured against: the same helm binary, chart, base values and overrides, run by hand
// the way an operator would — no Temporal, no API, no registry. Plus the clean-up of what the bench created.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import { execa } from 'execa';
import { expandDottedKeys } from '../../src/domain/values.js';
import { kubeGet, testKubeconfig, testKubeconfigToken } from '../support/cluster.js';
import { testEnv } from '../support/env.js';

export interface RawHelm {
  /** `helm upgrade --install … --wait=watcher`: resolves once the release's pods are Ready. */
  deploy(release: string, namespace: string): Promise<void>;
  uninstall(release: string, namespace: string): Promise<void>;
  close(): Promise<void>;
}

/** The overrides as the service writes them (dotted keys expanded by the same function) into a file of our own. */
export async function rawHelm(helmValues: Record<string, unknown>, chartVersion: string): Promise<RawHelm> {
  const env = testEnv();
  const dir = await mkdtemp(join(tmpdir(), 'ned-bench-raw-'));
  const overrides = join(dir, 'overrides.json');
  await writeFile(overrides, JSON.stringify(expandDottedKeys(helmValues)));
  const helm = async (args: string[]) => {
    const r = await execa(env.helmBin, [...args, '--kubeconfig', env.kubeconfigPath], { reject: false });
    if (r.exitCode !== 0) throw new Error(`helm ${args.slice(0, 2).join(' ')}: ${String(r.stderr).slice(-500)}`);
  };
  return {
    deploy: (release, namespace) =>
      helm([
        'upgrade', '--install', release, env.chart, '--version', chartVersion, '-n', namespace, '--create-namespace',
        '--values', resolve('values.yaml'), '--values', overrides, '--wait=watcher', '--timeout', '300s',
      ]),
    uninstall: (release, namespace) => helm(['uninstall', release, '-n', namespace, '--ignore-not-found', '--timeout', '300s']),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Deletes a namespace the bench created, with everything in it (the JetStream claims helm uninstall leaves
 * behind), and waits until the API server has finished; true when it is gone.
 */
export async function deleteNamespace(namespace: string, waitMs = 90_000): Promise<boolean> {
  const cluster = (testKubeconfig().clusters as Array<{ cluster: { server: string; 'certificate-authority-data'?: string } }>)[0]!.cluster;
  const ca = cluster['certificate-authority-data'];
  const r = await axios.delete(`${cluster.server}/api/v1/namespaces/${namespace}`, {
    headers: { Authorization: `Bearer ${testKubeconfigToken()}` },
    httpsAgent: new Agent(ca ? { ca: Buffer.from(ca, 'base64') } : { rejectUnauthorized: false }),
    validateStatus: () => true,
  });
  if (r.status === 404) return true;
  if (r.status >= 300) throw new Error(`DELETE namespace ${namespace}: HTTP ${r.status}`);
  const end = Date.now() + waitMs;
  while (Date.now() < end) {
    if ((await kubeGet(`/api/v1/namespaces/${namespace}`)).status === 404) return true;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  return false;
}
