// The seed's rule: public_url = https://<host of the kubeconfig's cluster server>/nats/<release>. The server is
// the Kubernetes API endpoint, not a NATS listener, so the rule is a convention kept for compatibility; the
// template makes it configurable (e.g. an ingress domain per cluster).

export const DEFAULT_PUBLIC_URL_TEMPLATE = 'https://{host}/nats/{release}';

export interface PublicUrlInput {
  kubeconfig: Record<string, unknown>;
  releaseName: string;
  namespace: string;
  clusterId: string;
  template?: string;
}

export class PublicUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublicUrlError';
  }
}

function list(kc: Record<string, unknown>, key: string): Array<Record<string, unknown>> {
  const v = kc[key];
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Array<Record<string, unknown>>) : [];
}

/** The server of the current context's cluster; falls back to clusters[0] as the seed did. */
export function clusterServer(kc: Record<string, unknown>): string {
  const clusters = list(kc, 'clusters');
  const currentName = kc['current-context'];
  const ctx = list(kc, 'contexts').find((c) => c.name === currentName);
  const clusterName = (ctx?.context as Record<string, unknown> | undefined)?.cluster;
  const chosen = clusters.find((c) => c.name === clusterName) ?? clusters[0];
  const server = (chosen?.cluster as Record<string, unknown> | undefined)?.server;
  if (typeof server !== 'string' || server === '') throw new PublicUrlError('kubeconfig has no cluster server to derive public_url from');
  return server;
}

/**
 * Placeholders: {host} (DNS name or IP, IPv6 in brackets, no port), {hostname} (same, IPv6 without brackets),
 * {port} (server port or ''), {hostport} (host with the server's port if it had one), {release}, {namespace},
 * {cluster_id}.
 */
export function derivePublicUrl(input: PublicUrlInput): string {
  const server = clusterServer(input.kubeconfig);
  let url: URL;
  try {
    // a bare host:port (seen in hand-written kubeconfigs) parses as a scheme; give it one
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`);
  } catch {
    throw new PublicUrlError('kubeconfig cluster server is not a valid URL');
  }
  const host = url.hostname; // WHATWG URL keeps IPv6 in brackets and lower-cases DNS names
  if (!host) throw new PublicUrlError('kubeconfig cluster server has no host');
  const hostname = host.startsWith('[') ? host.slice(1, -1) : host;
  const values: Record<string, string> = {
    host,
    hostname,
    port: url.port,
    hostport: url.port ? `${host}:${url.port}` : host,
    release: encodeURIComponent(input.releaseName),
    namespace: encodeURIComponent(input.namespace),
    cluster_id: encodeURIComponent(input.clusterId),
  };
  const template = input.template ?? DEFAULT_PUBLIC_URL_TEMPLATE;
  return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) => values[key] ?? whole);
}
