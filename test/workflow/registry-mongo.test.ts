// The BackboneStore contract against a real MongoDB-wire server: FerretDB with its SQLite backend, started by
// scripts/ferretdb.sh (scripts/test.sh does that and exports TEST_MONGODB_URI).
import { randomUUID } from 'node:crypto';
import { connect as netConnect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import { MongoBackboneStore } from '../../src/registry/mongo-store.js';
import type { MongoBackboneStoreOptions } from '../../src/registry/mongo-store.js';
import {
  BackboneConflictError,
  BackboneInvalidCursorError,
  BackboneStoreUnavailableError,
} from '../../src/registry/types.js';
import { newBackbone } from '../unit/registry/fixtures.js';
import { describeBackboneStoreContract } from '../unit/registry/store-contract.js';

const uri = process.env.TEST_MONGODB_URI;
if (!uri) {
  throw new Error(
    'TEST_MONGODB_URI is not set: start a MongoDB-wire server first, e.g. `scripts/ferretdb.sh start /tmp/ned-ferretdb && ' +
      'source /tmp/ned-ferretdb/env` (scripts/test.sh does this itself)',
  );
}
const mongoUri: string = uri;

// every store gets a database of its own, dropped at the end
const databases: string[] = [];
function freshStore(opts: MongoBackboneStoreOptions = {}): Promise<MongoBackboneStore> {
  const dbName = `ned_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  databases.push(dbName);
  return MongoBackboneStore.connect(mongoUri, { dbName, ...opts });
}

/** A loopback TCP relay to the server that can be cut, to see the store lose its server mid-life. */
async function startRelay(): Promise<{ uri: string; cut: () => Promise<void> }> {
  const target = new URL(mongoUri);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = netConnect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

afterAll(async () => {
  const client = new MongoClient(mongoUri);
  try {
    for (const name of databases) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
});

describeBackboneStoreContract('MongoBackboneStore (FerretDB)', () => freshStore());

describe('MongoBackboneStore specifics (FerretDB)', () => {
  let store: MongoBackboneStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('lets exactly one of two concurrent creates of the same release win', async () => {
    store = await freshStore();
    // a second client on the same database, so the two inserts really travel on separate connections
    const dbName = databases[databases.length - 1]!;
    const other = await MongoBackboneStore.connect(mongoUri, { dbName });
    try {
      for (let round = 0; round < 5; round++) {
        const a = newBackbone();
        const b = newBackbone({ cluster_id: a.cluster_id, namespace: a.namespace, release_name: a.release_name });
        const results = await Promise.allSettled([store.create(a), other.create(b)]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        const winner = won[0]!.value;
        const reason: unknown = lost[0]!.reason;
        expect(reason).toBeInstanceOf(BackboneConflictError);
        expect((reason as BackboneConflictError).existingSystemId).toBe(winner.system_id);
        const listed = await store.list({ cluster_id: a.cluster_id, namespace: a.namespace }, { limit: 50 });
        expect(listed.items.filter((r) => r.release_name === a.release_name)).toEqual([winner]);
      }
    } finally {
      await other.close();
    }
  });

  it('treats concurrent identical creates as one record', async () => {
    store = await freshStore();
    const rec = newBackbone();
    const [x, y] = await Promise.all([store.create(rec), store.create({ ...rec })]);
    expect(y).toEqual(x);
    expect((await store.list({}, { limit: 10 })).items).toEqual([x]);
  });

  it('breaks created_at ties by system_id', async () => {
    const fixed = new Date('2024-01-01T00:00:00.000Z');
    store = await freshStore({ now: () => fixed });
    const ids = ['ffffffff-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000', '88888888-0000-4000-8000-000000000000'];
    for (const system_id of ids) await store.create(newBackbone({ system_id }));
    const first = await store.list({}, { limit: 2 });
    const second = await store.list({}, { limit: 2, cursor: first.next_cursor! });
    expect([...first.items, ...second.items].map((r) => r.system_id)).toEqual([...ids].sort());
    expect(second.next_cursor).toBeNull();
  });

  it('rejects cursors it did not produce and bad limits', async () => {
    store = await freshStore();
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of ['not-a-cursor', b64({ a: 1 }), b64(['2024-01-01T00:00:00.000Z', 'id']), b64(['m1', 'yesterday', 'id']), b64(['m1', { $gt: '' }, 'id'])]) {
      await expect(store.list({}, { limit: 10, cursor })).rejects.toBeInstanceOf(BackboneInvalidCursorError);
    }
    await expect(store.list({}, { limit: 0 })).rejects.toBeInstanceOf(RangeError);
  });

  it('does not read filter values as query operators', async () => {
    store = await freshStore();
    await store.create(newBackbone({ name: '$ne' }));
    await store.create(newBackbone());
    const items = (await store.list({ name: '$ne' }, { limit: 10 })).items;
    expect(items.map((r) => r.name)).toEqual(['$ne']);
  });

  it('drops duplicate org ids', async () => {
    store = await freshStore();
    const rec = await store.create(newBackbone({ org_ids: ['o1', 'o2', 'o1'] }));
    expect(rec.org_ids).toEqual(['o1', 'o2']);
    await expect(store.get(rec.system_id)).resolves.toEqual(rec);
  });

  it('rejects with BackboneStoreUnavailableError when the server goes away', async () => {
    const relay = await startRelay();
    const dbName = `ned_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    databases.push(dbName);
    try {
      store = await MongoBackboneStore.connect(relay.uri, { dbName, serverSelectionTimeoutMS: 500 });
      const rec = await store.create(newBackbone());
      await relay.cut();
      await expect(store.ping()).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.get(rec.system_id)).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.create(newBackbone())).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.list({}, { limit: 1 })).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.delete(rec.system_id)).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
    } finally {
      await relay.cut();
    }
  });

  it('fails to connect with BackboneStoreUnavailableError when nothing listens', async () => {
    // port 9 (discard) is not served on loopback here
    await expect(
      MongoBackboneStore.connect('mongodb://127.0.0.1:9/', { serverSelectionTimeoutMS: 500 }),
    ).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
  });
});
