// Looks at the test cluster the way an operator would: helm's own view of releases and the API server's
// objects. Used only to assert on what the deployer did.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import axios from 'axios';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { testEnv } from './env.js';

export function testKubeconfig(): Record<string, unknown> {
  return yaml.load(readFileSync(testEnv().kubeconfigPath, 'utf8')) as Record<string, unknown>;
}

export function testKubeconfigToken(): string {
  const users = testKubeconfig().users as Array<{ user: { token: string } }>;
  return users[0]!.user.token;
}

export async function helm(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env = testEnv();
  const r = await execa(env.helmBin, [...args, '--kubeconfig', env.kubeconfigPath], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function helmReleaseNames(namespace: string): Promise<string[]> {
  const r = await helm(['list', '--namespace', namespace, '--deployed', '--failed', '--pending', '--uninstalling', '--output', 'json']);
  if (r.exitCode !== 0) throw new Error(`helm list failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Array<{ name: string }>).map((x) => x.name);
}

export async function helmValues(release: string, namespace: string): Promise<Record<string, unknown>> {
  const r = await helm(['get', 'values', release, '--namespace', namespace, '--output', 'json']);
  if (r.exitCode !== 0) throw new Error(`helm get values failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Record<string, unknown> | null) ?? {};
}

function apiClient() {
  const kc = testKubeconfig();
  const cluster = (kc.clusters as Array<{ cluster: { server: string; 'certificate-authority-data'?: string } }>)[0]!.cluster;
  const ca = cluster['certificate-authority-data'];
  return axios.create({
    baseURL: cluster.server,
    headers: { Authorization: `Bearer ${testKubeconfigToken()}` },
    httpsAgent: new Agent(ca ? { ca: Buffer.from(ca, 'base64') } : { rejectUnauthorized: false }),
    validateStatus: () => true,
  });
}

/** Names of the objects of one kind in a namespace, e.g. kubeList('apis/apps/v1', 'statefulsets', 'ns'). */
export async function kubeList(groupVersion: string, resource: string, namespace: string): Promise<string[]> {
  const r = await apiClient().get(`/${groupVersion}/namespaces/${namespace}/${resource}`);
  if (r.status !== 200) throw new Error(`GET ${resource} in ${namespace}: ${r.status}`);
  return (r.data as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name);
}

export async function kubeGet(path: string): Promise<{ status: number; data: unknown }> {
  const r = await apiClient().get(path);
  return { status: r.status, data: r.data };
}

/** Full objects of one kind in a namespace (for status, spec and labels). */
export async function kubeItems<T = Record<string, unknown>>(groupVersion: string, resource: string, namespace: string): Promise<T[]> {
  const r = await apiClient().get(`/${groupVersion}/namespaces/${namespace}/${resource}`);
  if (r.status !== 200) throw new Error(`GET ${resource} in ${namespace}: ${r.status}`);
  return (r.data as { items: T[] }).items;
}

export interface PodView {
  name: string;
  phase: string;
  ready: boolean;
}

/** The namespace's pods with phase and Ready condition, as kwok reports them. */
export async function pods(namespace: string): Promise<PodView[]> {
  const items = await kubeItems<{ metadata: { name: string }; status?: { phase?: string; conditions?: Array<{ type: string; status: string }> } }>('api/v1', 'pods', namespace);
  return items.map((p) => ({
    name: p.metadata.name,
    phase: p.status?.phase ?? 'Unknown',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  }));
}

/** The namespace's PersistentVolumeClaims and their phase. */
export async function claims(namespace: string): Promise<Array<{ name: string; phase: string }>> {
  const items = await kubeItems<{ metadata: { name: string }; status?: { phase?: string } }>('api/v1', 'persistentvolumeclaims', namespace);
  return items.map((c) => ({ name: c.metadata.name, phase: c.status?.phase ?? 'Unknown' })).sort((a, b) => a.name.localeCompare(b.name));
}

/** helm's revisions of a release, oldest first. */
export async function helmHistory(release: string, namespace: string): Promise<Array<{ revision: number; status: string; description: string }>> {
  const r = await helm(['history', release, '--namespace', namespace, '--output', 'json']);
  if (r.exitCode !== 0) throw new Error(`helm history failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ revision: number; status: string; description: string }>;
}
