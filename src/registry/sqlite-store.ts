import Database from 'better-sqlite3';
import {
  BackboneConflictError,
  BackboneStoreUnavailableError,
  MAX_PAGE_LIMIT,
  sameBackbone,
} from './types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { BackboneFilter, BackboneRecord, BackboneStore, NewBackbone, Page, PageRequest } from './types.js';

export interface SqliteBackboneStoreOptions {
  /** Clock for created_at; injectable so tests can force equal timestamps. */
  now?: () => Date;
  busyTimeoutMs?: number;
}

interface BackboneRow {
  system_id: string;
  name: string;
  release_name: string;
  namespace: string;
  cluster_id: string;
  org_ids: string;
  public_url: string;
  metadata: string;
  cluster_fingerprint: string | null;
  created_at: string;
}

// org_ids is kept twice: as JSON on the row (order-preserving read) and in backbone_orgs,
// which gives exact single-org filtering ('org1' never matches 'org10') via an index.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS backbones (
  system_id    TEXT PRIMARY KEY NOT NULL,
  name         TEXT NOT NULL,
  release_name TEXT NOT NULL,
  namespace    TEXT NOT NULL,
  cluster_id   TEXT NOT NULL,
  org_ids      TEXT NOT NULL,
  public_url   TEXT NOT NULL,
  metadata     TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  cluster_fingerprint TEXT,
  UNIQUE (cluster_id, namespace, release_name)
);
CREATE INDEX IF NOT EXISTS backbones_order ON backbones (created_at, system_id);
CREATE TABLE IF NOT EXISTS backbone_orgs (
  system_id TEXT NOT NULL REFERENCES backbones (system_id) ON DELETE CASCADE,
  org_id    TEXT NOT NULL,
  PRIMARY KEY (system_id, org_id)
);
CREATE INDEX IF NOT EXISTS backbone_orgs_org ON backbone_orgs (org_id, system_id);
`;

// Conditions that a retry (or an operator) can fix, as opposed to bugs in the caller.
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL|NOTADB|CORRUPT)/;

function toUnavailable(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) {
    return new BackboneStoreUnavailableError(`sqlite backbone store unavailable (${code})`, { cause: err });
  }
  return err;
}


function fromRow(row: BackboneRow): BackboneRecord {
  return {
    system_id: row.system_id,
    name: row.name,
    release_name: row.release_name,
    namespace: row.namespace,
    cluster_id: row.cluster_id,
    org_ids: JSON.parse(row.org_ids) as string[],
    public_url: row.public_url,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    ...(row.cluster_fingerprint ? { cluster_fingerprint: row.cluster_fingerprint } : {}),
    created_at: row.created_at,
  };
}

/**
 * Files written before a column existed get it added. Another process may add it between our check and ALTER:
 * the "duplicate column" that follows is success.
 */
function addMissingColumns(db: Database.Database): void {
  const has = () => new Set(db.prepare<[], { name: string }>('PRAGMA table_info(backbones)').all().map((c) => c.name));
  if (has().has('cluster_fingerprint')) return;
  try {
    db.exec('ALTER TABLE backbones ADD COLUMN cluster_fingerprint TEXT');
  } catch (err) {
    if (!has().has('cluster_fingerprint')) throw err;
  }
}

export class SqliteBackboneStore implements BackboneStore {
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly stmts: {
    get: Database.Statement<[string], BackboneRow>;
    byRelease: Database.Statement<[string, string, string], { system_id: string }>;
    insert: Database.Statement<[BackboneRow]>;
    insertOrg: Database.Statement<[string, string]>;
    deleteOrgs: Database.Statement<[string]>;
    delete: Database.Statement<[string]>;
  };
  private readonly createTx: (rec: NewBackbone) => BackboneRecord;
  private readonly deleteTx: (systemId: string) => boolean;

  constructor(path: string, opts: SqliteBackboneStoreOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    try {
      this.db = new Database(path);
    } catch (err) {
      throw toUnavailable(err);
    }
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    this.db.pragma('foreign_keys = ON');
    if (path !== ':memory:' && path !== '') {
      // WAL lets readers (API) proceed while a writer (activity) holds the lock.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.exec(SCHEMA);
    addMissingColumns(this.db);

    this.stmts = {
      get: this.db.prepare('SELECT * FROM backbones WHERE system_id = ?'),
      byRelease: this.db.prepare(
        'SELECT system_id FROM backbones WHERE cluster_id = ? AND namespace = ? AND release_name = ?',
      ),
      insert: this.db.prepare(
        `INSERT INTO backbones (system_id, name, release_name, namespace, cluster_id, org_ids, public_url, metadata, cluster_fingerprint, created_at)
         VALUES (@system_id, @name, @release_name, @namespace, @cluster_id, @org_ids, @public_url, @metadata, @cluster_fingerprint, @created_at)`,
      ),
      insertOrg: this.db.prepare('INSERT OR IGNORE INTO backbone_orgs (system_id, org_id) VALUES (?, ?)'),
      deleteOrgs: this.db.prepare('DELETE FROM backbone_orgs WHERE system_id = ?'),
      delete: this.db.prepare('DELETE FROM backbones WHERE system_id = ?'),
    };

    const tx = this.db.transaction((rec: NewBackbone): BackboneRecord => {
      const existing = this.stmts.get.get(rec.system_id);
      if (existing) {
        const stored = fromRow(existing);
        if (sameBackbone(stored, rec)) return stored;
        throw new BackboneConflictError(
          rec.system_id,
          `backbone ${rec.system_id} already exists with different attributes`,
        );
      }
      const clash = this.stmts.byRelease.get(rec.cluster_id, rec.namespace, rec.release_name);
      if (clash) {
        throw new BackboneConflictError(
          clash.system_id,
          `release ${rec.release_name} in ${rec.cluster_id}/${rec.namespace} is already registered as ${clash.system_id}`,
        );
      }
      const orgIds = [...new Set(rec.org_ids)];
      const row: BackboneRow = {
        system_id: rec.system_id,
        name: rec.name,
        release_name: rec.release_name,
        namespace: rec.namespace,
        cluster_id: rec.cluster_id,
        org_ids: JSON.stringify(orgIds),
        public_url: rec.public_url,
        metadata: JSON.stringify(rec.metadata ?? {}),
        cluster_fingerprint: rec.cluster_fingerprint ?? null,
        created_at: this.now().toISOString(),
      };
      this.stmts.insert.run(row);
      for (const org of orgIds) this.stmts.insertOrg.run(rec.system_id, org);
      return fromRow(row);
    });
    // IMMEDIATE takes the write lock up front, so two processes sharing the file cannot both
    // pass the existence checks and then collide on insert.
    this.createTx = (rec) => tx.immediate(rec);

    // Explicit child delete as well as the FK cascade, in case the file is also opened
    // elsewhere without foreign_keys enabled.
    const del = this.db.transaction((id: string) => {
      this.stmts.deleteOrgs.run(id);
      return this.stmts.delete.run(id).changes > 0;
    });
    this.deleteTx = (id) => del.immediate(id);
  }

  private run<T>(fn: () => T): Promise<T> {
    try {
      if (!this.db.open) throw new BackboneStoreUnavailableError('sqlite backbone store is closed');
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(toUnavailable(err));
    }
  }

  create(rec: NewBackbone): Promise<BackboneRecord> {
    return this.run(() => this.createTx(rec));
  }

  get(systemId: string): Promise<BackboneRecord | null> {
    return this.run(() => {
      const row = this.stmts.get.get(systemId);
      return row ? fromRow(row) : null;
    });
  }

  list(filter: BackboneFilter, page: PageRequest): Promise<Page<BackboneRecord>> {
    return this.run(() => {
      if (!Number.isInteger(page.limit) || page.limit < 1) {
        throw new RangeError(`page limit must be a positive integer, got ${page.limit}`);
      }
      const limit = Math.min(page.limit, MAX_PAGE_LIMIT);
      const where: string[] = [];
      const params: string[] = [];
      for (const col of ['cluster_id', 'namespace', 'name'] as const) {
        const v = filter[col];
        if (v !== undefined) {
          where.push(`b.${col} = ?`);
          params.push(v);
        }
      }
      if (filter.org_id !== undefined) {
        where.push('EXISTS (SELECT 1 FROM backbone_orgs o WHERE o.system_id = b.system_id AND o.org_id = ?)');
        params.push(filter.org_id);
      }
      if (filter.org_ids !== undefined) {
        const orgs = [...new Set(filter.org_ids)];
        if (orgs.length === 0) return { items: [], next_cursor: null };
        where.push(`EXISTS (SELECT 1 FROM backbone_orgs o WHERE o.system_id = b.system_id AND o.org_id IN (${orgs.map(() => '?').join(', ')}))`);
        params.push(...orgs);
      }
      if (page.cursor !== undefined) {
        const [createdAt, systemId] = decodeCursor('s1', page.cursor);
        where.push('(b.created_at, b.system_id) > (?, ?)');
        params.push(createdAt, systemId);
      }
      const sql =
        `SELECT b.* FROM backbones b` +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        ` ORDER BY b.created_at, b.system_id LIMIT ${limit + 1}`;
      const rows = this.db.prepare<string[], BackboneRow>(sql).all(...params);
      // One extra row tells us whether another page exists without a COUNT.
      const more = rows.length > limit;
      const items = rows.slice(0, limit).map(fromRow);
      const last = items[items.length - 1];
      return { items, next_cursor: more && last ? encodeCursor('s1', last.created_at, last.system_id) : null };
    });
  }

  delete(systemId: string): Promise<boolean> {
    return this.run(() => this.deleteTx(systemId));
  }

  ping(): Promise<void> {
    return this.run(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
