import {
  MongoClient,
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoSystemError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { Collection, CreateIndexesOptions, Filter } from 'mongodb';
import {
  BackboneConflictError,
  BackboneStoreUnavailableError,
  MAX_PAGE_LIMIT,
  sameBackbone,
} from './types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { BackboneFilter, BackboneRecord, BackboneStore, NewBackbone, Page, PageRequest } from './types.js';

export interface MongoBackboneStoreOptions {
  /** Database to use; defaults to the one named in the URI path, else "nats_exchange_deployer". */
  dbName?: string;
  collection?: string;
  /** Clock for created_at; injectable so tests can force equal timestamps. */
  now?: () => Date;
  /** How long an operation waits for a reachable server before failing as unavailable. */
  serverSelectionTimeoutMS?: number;
}

/**
 * Stored shape. system_id is the _id, so the primary key enforces its uniqueness.
 * metadata is kept as JSON text (metadata_json) rather than a subdocument: it holds helm values
 * and labels whose keys contain '.' and may start with '$', which MongoDB (and FerretDB in particular)
 * refuses or treats as paths in field names. It is never queried, so text round-trips it exactly.
 * created_at is ISO-8601 text (fixed width, so string order is time order), as in the SQLite store.
 */
interface BackboneDoc {
  _id: string;
  name: string;
  release_name: string;
  namespace: string;
  cluster_id: string;
  org_ids: string[];
  public_url: string;
  metadata_json: string;
  /** Only present when known: records from before the field existed have none. */
  cluster_fingerprint?: string;
  created_at: string;
}

const INDEXES: ({ key: Record<string, 1> } & CreateIndexesOptions)[] = [
  { key: { cluster_id: 1, namespace: 1, release_name: 1 }, name: 'release_unique', unique: true },
  { key: { org_ids: 1 }, name: 'org_ids' },
  { key: { created_at: 1, _id: 1 }, name: 'list_order' }, // stable pagination order
];

const DUPLICATE_KEY = 11000;
// Server-side conditions a retry can outlast (shutdown, failover, timeouts), as opposed to bad commands.
const TRANSIENT_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

function toUnavailable(err: unknown): Error {
  if (err instanceof BackboneStoreUnavailableError) return err;
  if (!(err instanceof Error)) return new Error(String(err));
  const transient =
    err instanceof MongoNetworkError || // includes network timeouts
    err instanceof MongoSystemError || // includes server selection timeouts
    err instanceof MongoOperationTimeoutError ||
    // client/topology/server closed while an operation was pending
    err instanceof MongoClientClosedError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoServerClosedError ||
    err instanceof MongoNotConnectedError ||
    (err instanceof MongoError &&
      ((typeof err.code === 'number' && TRANSIENT_CODES.has(err.code)) || err.hasErrorLabel('RetryableWriteError')));
  return transient ? new BackboneStoreUnavailableError(`mongodb backbone store unavailable: ${err.message}`, { cause: err }) : err;
}

const isDuplicateKey = (err: unknown) => err instanceof MongoError && err.code === DUPLICATE_KEY;

function fromDoc(doc: BackboneDoc): BackboneRecord {
  return {
    system_id: doc._id,
    name: doc.name,
    release_name: doc.release_name,
    namespace: doc.namespace,
    cluster_id: doc.cluster_id,
    org_ids: [...doc.org_ids],
    public_url: doc.public_url,
    metadata: JSON.parse(doc.metadata_json) as Record<string, unknown>,
    ...(doc.cluster_fingerprint ? { cluster_fingerprint: doc.cluster_fingerprint } : {}),
    created_at: doc.created_at,
  };
}

function uriDbName(uri: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(uri);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/**
 * BackboneStore on MongoDB (or a wire-compatible server such as FerretDB). Uses no transactions or
 * change streams: the unique indexes settle races between concurrent creates, and a duplicate-key
 * failure is resolved by reading the record that won.
 */
export class MongoBackboneStore implements BackboneStore {
  private closed = false;

  private constructor(
    private readonly client: MongoClient,
    private readonly coll: Collection<BackboneDoc>,
    private readonly now: () => Date,
  ) {}

  static async connect(uri: string, opts: MongoBackboneStoreOptions = {}): Promise<MongoBackboneStore> {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5000,
      appName: 'nats-exchange-deployer',
    });
    try {
      await client.connect();
      const db = client.db(opts.dbName ?? uriDbName(uri) ?? 'nats_exchange_deployer');
      const coll = db.collection<BackboneDoc>(opts.collection ?? 'backbones');
      // One createIndexes command per index: FerretDB 1.24 panics (and drops the connection) when a single
      // command repeats two or more indexes that already exist, which every reconnect would do.
      for (const { key, ...options } of INDEXES) await coll.createIndex(key, options);
      return new MongoBackboneStore(client, coll, opts.now ?? (() => new Date()));
    } catch (err) {
      await client.close().catch(() => undefined);
      throw toUnavailable(err);
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new BackboneStoreUnavailableError('mongodb backbone store is closed');
    try {
      return await fn();
    } catch (err) {
      throw toUnavailable(err);
    }
  }

  create(rec: NewBackbone): Promise<BackboneRecord> {
    return this.run(async () => {
      const doc: BackboneDoc = {
        _id: rec.system_id,
        name: rec.name,
        release_name: rec.release_name,
        namespace: rec.namespace,
        cluster_id: rec.cluster_id,
        org_ids: [...new Set(rec.org_ids)],
        public_url: rec.public_url,
        metadata_json: JSON.stringify(rec.metadata ?? {}),
        // left out rather than stored as null when absent, like documents written before the field existed
        ...(rec.cluster_fingerprint ? { cluster_fingerprint: rec.cluster_fingerprint } : {}),
        created_at: this.now().toISOString(),
      };
      // Insert first: the common case is one round trip, and the indexes decide races atomically.
      // A record deleted between the failed insert and the look-up gets another attempt.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await this.coll.insertOne(doc);
          return fromDoc(doc);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const existing = await this.coll.findOne({ _id: rec.system_id });
        if (existing) {
          const stored = fromDoc(existing);
          if (sameBackbone(stored, rec)) return stored;
          throw new BackboneConflictError(rec.system_id, `backbone ${rec.system_id} already exists with different attributes`);
        }
        const clash = await this.coll.findOne(
          { cluster_id: rec.cluster_id, namespace: rec.namespace, release_name: rec.release_name },
          { projection: { _id: 1 } },
        );
        if (clash) {
          throw new BackboneConflictError(
            clash._id,
            `release ${rec.release_name} in ${rec.cluster_id}/${rec.namespace} is already registered as ${clash._id}`,
          );
        }
      }
      throw new BackboneStoreUnavailableError(`backbone ${rec.system_id}: create kept colliding with concurrent changes`);
    });
  }

  get(systemId: string): Promise<BackboneRecord | null> {
    return this.run(async () => {
      const doc = await this.coll.findOne({ _id: systemId });
      return doc ? fromDoc(doc) : null;
    });
  }

  list(filter: BackboneFilter, page: PageRequest): Promise<Page<BackboneRecord>> {
    return this.run(async () => {
      if (!Number.isInteger(page.limit) || page.limit < 1) {
        throw new RangeError(`page limit must be a positive integer, got ${page.limit}`);
      }
      const limit = Math.min(page.limit, MAX_PAGE_LIMIT);
      const and: Filter<BackboneDoc>[] = [];
      for (const key of ['cluster_id', 'namespace', 'name'] as const) {
        const v = filter[key];
        // $eq so a caller-supplied value can never be read as an operator
        if (v !== undefined) and.push({ [key]: { $eq: v } });
      }
      // equality against an array field matches when any element equals the value, exactly
      if (filter.org_id !== undefined) and.push({ org_ids: { $eq: filter.org_id } });
      if (filter.org_ids !== undefined) {
        if (filter.org_ids.length === 0) return { items: [], next_cursor: null };
        and.push({ org_ids: { $in: [...new Set(filter.org_ids)] } });
      }
      if (page.cursor !== undefined) {
        const [createdAt, systemId] = decodeCursor('m1', page.cursor);
        and.push({ $or: [{ created_at: { $gt: createdAt } }, { created_at: createdAt, _id: { $gt: systemId } }] });
      }
      const docs = await this.coll
        .find(and.length ? { $and: and } : {})
        .sort({ created_at: 1, _id: 1 })
        .limit(limit + 1) // one extra row tells whether another page exists
        .toArray();
      const more = docs.length > limit;
      const items = docs.slice(0, limit).map(fromDoc);
      const last = items[items.length - 1];
      return { items, next_cursor: more && last ? encodeCursor('m1', last.created_at, last.system_id) : null };
    });
  }

  delete(systemId: string): Promise<boolean> {
    return this.run(async () => (await this.coll.deleteOne({ _id: systemId })).deletedCount > 0);
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.client.db('admin').command({ ping: 1 });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}
