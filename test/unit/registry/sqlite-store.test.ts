import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteBackboneStore } from '../../../src/registry/sqlite-store.js';
import { BackboneInvalidCursorError } from '../../../src/registry/types.js';
import { newBackbone } from './fixtures.js';
import { describeBackboneStoreContract } from './store-contract.js';

const tempDirs: string[] = [];
function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backbone-registry-'));
  tempDirs.push(dir);
  return join(dir, 'registry.db');
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describeBackboneStoreContract('SqliteBackboneStore (:memory:)', () => new SqliteBackboneStore(':memory:'));
describeBackboneStoreContract('SqliteBackboneStore (temp file)', () => new SqliteBackboneStore(tempDbPath()));

describe('SqliteBackboneStore specifics', () => {
  it('adds the cluster_fingerprint column to a file written before it existed, keeping its rows', async () => {
    const path = tempDbPath();
    const old = new Database(path);
    // the schema as released before cluster_fingerprint
    old.exec(`
      CREATE TABLE backbones (
        system_id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, release_name TEXT NOT NULL, namespace TEXT NOT NULL,
        cluster_id TEXT NOT NULL, org_ids TEXT NOT NULL, public_url TEXT NOT NULL, metadata TEXT NOT NULL, created_at TEXT NOT NULL,
        UNIQUE (cluster_id, namespace, release_name));
      CREATE TABLE backbone_orgs (system_id TEXT NOT NULL REFERENCES backbones (system_id) ON DELETE CASCADE, org_id TEXT NOT NULL, PRIMARY KEY (system_id, org_id));`);
    const legacy = newBackbone({ org_ids: ['org1'] });
    old
      .prepare('INSERT INTO backbones VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(legacy.system_id, legacy.name, legacy.release_name, legacy.namespace, legacy.cluster_id, JSON.stringify(legacy.org_ids), legacy.public_url, '{}', '2024-01-01T00:00:00.000Z');
    old.prepare('INSERT INTO backbone_orgs VALUES (?, ?)').run(legacy.system_id, 'org1');
    old.close();

    const store = new SqliteBackboneStore(path);
    const read = await store.get(legacy.system_id);
    expect(read).toEqual({ ...legacy, metadata: {}, created_at: '2024-01-01T00:00:00.000Z' });
    expect(read).not.toHaveProperty('cluster_fingerprint');
    const fresh = await store.create(newBackbone({ cluster_fingerprint: 'ef'.repeat(32) }));
    await expect(store.get(fresh.system_id)).resolves.toMatchObject({ cluster_fingerprint: 'ef'.repeat(32) });
    // a second process opening the migrated file finds the column and changes nothing
    const second = new SqliteBackboneStore(path);
    await expect(second.get(fresh.system_id)).resolves.toEqual(fresh);
    await second.close();
    await store.close();
  });

  it('uses WAL for files and persists across reopen', async () => {
    const path = tempDbPath();
    const store = new SqliteBackboneStore(path);
    const rec = await store.create(newBackbone({ metadata: { 'a.b': { 'c.d': 1 } } }));
    await store.close();

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();

    const reopened = new SqliteBackboneStore(path);
    await expect(reopened.get(rec.system_id)).resolves.toEqual(rec);
    await reopened.close();
  });

  it('breaks created_at ties by system_id', async () => {
    const fixed = new Date('2024-01-01T00:00:00.000Z');
    const store = new SqliteBackboneStore(':memory:', { now: () => fixed });
    const ids = ['ffffffff-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000', '88888888-0000-4000-8000-000000000000'];
    for (const system_id of ids) await store.create(newBackbone({ system_id }));
    const first = await store.list({}, { limit: 2 });
    const second = await store.list({}, { limit: 2, cursor: first.next_cursor! });
    expect([...first.items, ...second.items].map((r) => r.system_id)).toEqual([...ids].sort());
    expect(second.next_cursor).toBeNull();
    await store.close();
  });

  it('rejects malformed cursors and bad limits', async () => {
    const store = new SqliteBackboneStore(':memory:');
    await expect(store.list({}, { limit: 10, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(BackboneInvalidCursorError);
    await expect(
      store.list({}, { limit: 10, cursor: Buffer.from('{"a":1}').toString('base64url') }),
    ).rejects.toBeInstanceOf(BackboneInvalidCursorError);
    await expect(store.list({}, { limit: 0 })).rejects.toBeInstanceOf(RangeError);
    await store.close();
  });

  it('drops duplicate org ids', async () => {
    const store = new SqliteBackboneStore(':memory:');
    const rec = await store.create(newBackbone({ org_ids: ['o1', 'o2', 'o1'] }));
    expect(rec.org_ids).toEqual(['o1', 'o2']);
    expect((await store.list({ org_id: 'o1' }, { limit: 10 })).items).toHaveLength(1);
    await store.close();
  });
});
