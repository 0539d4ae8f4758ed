// Which cluster a kubeconfig points at, as a digest the registry can keep: a later PUT or DELETE whose kubeconfig
// names another cluster is refused before anything connects anywhere. Built only from public parts (server URL
// and CA certificate), never from a credential, so the record may be shown to anyone who sees the exchange.
import { createHash } from 'node:crypto';
import { minimalParts, type KubeconfigObject } from '../domain/kubeconfig.js';

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * scheme://host[:port]/path, lower-cased by URL parsing, default port dropped, no credentials, query, fragment or
 * trailing slash: spellings of one server compare equal.
 */
export function normaliseServerUrl(server: string): string {
  const url = new URL(server.trim());
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** sha256(normalised server URL + "\n" + sha256(certificate-authority-data or "")), hex. */
export function clusterFingerprint(minimal: KubeconfigObject): string {
  const { cluster, clusterCount } = minimalParts(minimal);
  const server = cluster.server;
  // resolveKubeconfig has checked both already; a minimal kubeconfig without them is a programming error
  if (clusterCount !== 1 || typeof server !== 'string') throw new Error('clusterFingerprint needs a minimal kubeconfig with one cluster and its server');
  const ca = cluster['certificate-authority-data'];
  // base64 may be wrapped or indented differently by whoever wrote the YAML; the certificate is the same
  const caText = typeof ca === 'string' ? ca.replace(/\s+/g, '') : '';
  return sha256Hex(`${normaliseServerUrl(server)}\n${sha256Hex(caText)}`);
}
