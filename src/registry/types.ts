import { canonicalJson } from '../domain/canonical-json.js';

/** A deployed NATS exchange ("backbone") as known to the registry. */
export interface BackboneRecord {
  system_id: string;
  name: string;
  release_name: string;
  namespace: string;
  cluster_id: string;
  /** Parsed from the seed's comma-separated string (see parseOrgIds). */
  org_ids: string[];
  public_url: string;
  metadata: Record<string, unknown>;
  /**
   * sha256 of the target cluster's server URL and CA certificate (src/api/cluster-fingerprint.ts): later changes
   * must name the same cluster. Absent on records written before it existed.
   */
  cluster_fingerprint?: string;
  /** ISO-8601, assigned by the store. */
  created_at: string;
}

export type NewBackbone = Omit<BackboneRecord, 'created_at'>;

export interface BackboneFilter {
  org_id?: string;
  /** Records in any of these orgs (an empty list matches nothing); combines with org_id. */
  org_ids?: string[];
  cluster_id?: string;
  namespace?: string;
  name?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 500;

export interface BackboneStore {
  /**
   * Idempotent for an identical record with the same system_id (activity retries call it
   * again) — returns the stored record. Throws BackboneConflictError when the system_id exists
   * with different attributes, or when (cluster_id, namespace, release_name) belongs to another id.
   */
  create(rec: NewBackbone): Promise<BackboneRecord>;
  get(systemId: string): Promise<BackboneRecord | null>;
  /** Ordered by created_at then system_id; the cursor is opaque to callers. */
  list(filter: BackboneFilter, page: PageRequest): Promise<Page<BackboneRecord>>;
  /** false when absent. */
  delete(systemId: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class BackboneConflictError extends Error {
  override readonly name = 'BackboneConflictError';
  constructor(
    readonly existingSystemId: string,
    message = `backbone conflicts with existing backbone ${existingSystemId}`,
  ) {
    super(message);
  }
}

export class BackboneStoreUnavailableError extends Error {
  override readonly name = 'BackboneStoreUnavailableError';
  constructor(message = 'backbone store unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The cursor was not produced by this store (or was tampered with). */
export class BackboneInvalidCursorError extends Error {
  override readonly name = 'BackboneInvalidCursorError';
  constructor(message = 'invalid cursor') {
    super(message);
  }
}

/** Splits the seed's "org1, org2,org3" form; blanks and duplicates are dropped, order kept. */
export function parseOrgIds(raw: string): string[] {
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const id = part.trim();
    if (id) seen.add(id);
  }
  return [...seen];
}

/**
 * Whether a repeated create describes the same backbone. org_ids compare as a set since the
 * seed string's order carries no meaning.
 */
export function sameBackbone(a: NewBackbone, b: NewBackbone): boolean {
  const orgs = (ids: string[]) => [...new Set(ids)].sort().join('\u0000');
  return (
    a.system_id === b.system_id &&
    a.name === b.name &&
    a.release_name === b.release_name &&
    a.namespace === b.namespace &&
    a.cluster_id === b.cluster_id &&
    a.public_url === b.public_url &&
    orgs(a.org_ids) === orgs(b.org_ids) &&
    (a.cluster_fingerprint ?? null) === (b.cluster_fingerprint ?? null) &&
    canonicalJson(a.metadata ?? {}) === canonicalJson(b.metadata ?? {})
  );
}
