import { randomUUID } from 'node:crypto';
import {
  BackboneConflictError,
  BackboneStoreUnavailableError,
} from '../../../src/registry/types.js';
import type { BackboneFilter, BackboneRecord, BackboneStore } from '../../../src/registry/types.js';
import { anyString, newBackbone } from './fixtures.js';

/** Behaviour every BackboneStore implementation must share (SQLite now, MongoDB later). */
export function describeBackboneStoreContract(name: string, makeStore: () => BackboneStore | Promise<BackboneStore>): void {
  describe(`BackboneStore contract: ${name}`, () => {
    let store: BackboneStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    async function listAll(filter: BackboneFilter, limit: number): Promise<{ items: BackboneRecord[]; pages: number }> {
      const items: BackboneRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list(filter, cursor === undefined ? { limit } : { limit, cursor });
        pages += 1;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
        if (pages > 100) throw new Error('pagination did not terminate');
      } while (cursor !== undefined);
      return { items, pages };
    }

    const byOrder = (a: BackboneRecord, b: BackboneRecord) =>
      a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.system_id < b.system_id ? -1 : a.system_id > b.system_id ? 1 : 0;

    it('pings', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('creates and returns the record with an ISO created_at', async () => {
      const rec = newBackbone();
      const created = await store.create(rec);
      expect(created).toEqual({ ...rec, created_at: anyString });
      expect(new Date(created.created_at).toISOString()).toBe(created.created_at);
      await expect(store.get(rec.system_id)).resolves.toEqual(created);
    });

    it('keeps a cluster_fingerprint, and leaves it out when none was given', async () => {
      const fingerprint = 'ab'.repeat(32);
      const withIt = await store.create(newBackbone({ cluster_fingerprint: fingerprint }));
      expect(withIt.cluster_fingerprint).toBe(fingerprint);
      await expect(store.get(withIt.system_id)).resolves.toEqual(withIt);
      const without = await store.create(newBackbone());
      expect(without).not.toHaveProperty('cluster_fingerprint');
      expect(await store.get(without.system_id)).not.toHaveProperty('cluster_fingerprint');
      // a repeat that names another cluster is not the same backbone
      await expect(store.create({ ...withIt, cluster_fingerprint: 'cd'.repeat(32) })).rejects.toBeInstanceOf(BackboneConflictError);
    });

    it('filters by any of several orgs (org_ids), and matches nothing for an empty list', async () => {
      const a = await store.create(newBackbone({ org_ids: ['org-a'] }));
      const b = await store.create(newBackbone({ org_ids: ['org-b', 'org-x'] }));
      await store.create(newBackbone({ org_ids: ['org-c'] }));
      const ids = async (filter: BackboneFilter) => (await listAll(filter, 1)).items.map((r) => r.system_id).sort();
      expect(await ids({ org_ids: ['org-a', 'org-b'] })).toEqual([a.system_id, b.system_id].sort());
      expect(await ids({ org_ids: ['org-a', 'org-b'], org_id: 'org-x' })).toEqual([b.system_id]);
      expect(await ids({ org_ids: ['org-a'], org_id: 'org-c' })).toEqual([]);
      expect(await ids({ org_ids: [] })).toEqual([]);
    });

    it('returns null for an unknown id', async () => {
      await expect(store.get(randomUUID())).resolves.toBeNull();
    });

    it('treats an identical repeated create as idempotent', async () => {
      const rec = newBackbone();
      const first = await store.create(rec);
      const again = await store.create({ ...rec, metadata: { ...rec.metadata } });
      expect(again).toEqual(first);
      expect((await store.list({}, { limit: 10 })).items).toHaveLength(1);
    });

    it('ignores org_ids order and metadata key order when comparing repeated creates', async () => {
      const rec = newBackbone({ org_ids: ['a', 'b'], metadata: { x: 1, y: { p: 1, q: 2 } } });
      const first = await store.create(rec);
      await expect(
        store.create({ ...rec, org_ids: ['b', 'a'], metadata: { y: { q: 2, p: 1 }, x: 1 } }),
      ).resolves.toEqual(first);
    });

    it('rejects the same system_id with different attributes', async () => {
      const rec = newBackbone();
      await store.create(rec);
      for (const change of [
        { name: 'other' },
        { public_url: 'nats://other.example.com:4222' },
        { org_ids: ['org1'] },
        { metadata: { tier: 'silver' } },
        { release_name: 'other-release' },
      ]) {
        const err: unknown = await store.create({ ...rec, ...change }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BackboneConflictError);
        expect((err as BackboneConflictError).existingSystemId).toBe(rec.system_id);
      }
      await expect(store.get(rec.system_id)).resolves.toMatchObject({ name: rec.name });
    });

    it('rejects another id for the same (cluster_id, namespace, release_name)', async () => {
      const first = newBackbone();
      await store.create(first);
      const clash = newBackbone({ cluster_id: first.cluster_id, namespace: first.namespace, release_name: first.release_name });
      const err: unknown = await store.create(clash).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackboneConflictError);
      expect((err as BackboneConflictError).existingSystemId).toBe(first.system_id);
      await expect(store.get(clash.system_id)).resolves.toBeNull();
    });

    it('allows the same release name in another namespace or cluster', async () => {
      const first = newBackbone();
      await store.create(first);
      await store.create(newBackbone({ release_name: first.release_name, namespace: 'other-ns' }));
      await store.create(newBackbone({ release_name: first.release_name, cluster_id: 'cluster-b' }));
      expect((await store.list({}, { limit: 10 })).items).toHaveLength(3);
    });

    it('round-trips metadata with dotted, dollar and nested keys', async () => {
      const metadata = {
        'app.kubernetes.io/name': 'nats',
        'a.b.c': { 'd.e': [1, 'two', { 'f.g': null }] },
        $weird: true,
        nested: { deep: { value: 1.5 } },
      };
      const rec = newBackbone({ metadata });
      await store.create(rec);
      const got = await store.get(rec.system_id);
      expect(got?.metadata).toEqual(metadata);
      expect(Object.keys(got?.metadata ?? {}).sort()).toEqual(Object.keys(metadata).sort());
      const listed = await store.list({ name: rec.name }, { limit: 1 });
      expect(listed.items[0]?.metadata).toEqual(metadata);
    });

    it('filters by org_id exactly', async () => {
      const a = await store.create(newBackbone({ org_ids: ['org1'] }));
      const b = await store.create(newBackbone({ org_ids: ['org10', 'org2'] }));
      const c = await store.create(newBackbone({ org_ids: ['org2', 'org1'] }));
      await store.create(newBackbone({ org_ids: ['xorg1', 'org1x', 'ORG1'] }));

      const ids = async (org: string) => (await store.list({ org_id: org }, { limit: 50 })).items.map((r) => r.system_id).sort();
      expect(await ids('org1')).toEqual([a.system_id, c.system_id].sort());
      expect(await ids('org10')).toEqual([b.system_id]);
      expect(await ids('org2')).toEqual([b.system_id, c.system_id].sort());
      expect(await ids('org')).toEqual([]);
      expect(await ids('%')).toEqual([]);
    });

    it('filters by cluster_id, namespace and name, combined with AND', async () => {
      const a = await store.create(newBackbone({ cluster_id: 'c1', namespace: 'n1', name: 'alpha' }));
      const b = await store.create(newBackbone({ cluster_id: 'c1', namespace: 'n2', name: 'beta', org_ids: ['orgX'] }));
      const c = await store.create(newBackbone({ cluster_id: 'c2', namespace: 'n1', name: 'alpha' }));

      const ids = async (f: BackboneFilter) => (await store.list(f, { limit: 50 })).items.map((r) => r.system_id).sort();
      expect(await ids({ cluster_id: 'c1' })).toEqual([a.system_id, b.system_id].sort());
      expect(await ids({ namespace: 'n1' })).toEqual([a.system_id, c.system_id].sort());
      expect(await ids({ name: 'alpha' })).toEqual([a.system_id, c.system_id].sort());
      expect(await ids({ name: 'alpha', cluster_id: 'c2' })).toEqual([c.system_id]);
      expect(await ids({ cluster_id: 'c1', org_id: 'orgX' })).toEqual([b.system_id]);
      expect(await ids({ cluster_id: 'c1', org_id: 'org1' })).toEqual([a.system_id]);
      expect(await ids({ name: 'nope' })).toEqual([]);
      expect(await ids({ name: 'alph' })).toEqual([]);
    });

    it('paginates in stable created_at, system_id order without gaps or duplicates', async () => {
      const created: BackboneRecord[] = [];
      for (let i = 0; i < 7; i++) created.push(await store.create(newBackbone()));
      const expected = [...created].sort(byOrder).map((r) => r.system_id);

      const whole = await store.list({}, { limit: 100 });
      expect(whole.items.map((r) => r.system_id)).toEqual(expected);
      expect(whole.next_cursor).toBeNull();

      const paged = await listAll({}, 3);
      expect(paged.items.map((r) => r.system_id)).toEqual(expected);
      expect(paged.pages).toBe(3);

      // An exact multiple must not leave a dangling empty page.
      const exact = await listAll({}, 7);
      expect(exact.pages).toBe(1);
    });

    it('keeps cursors valid across deletes and later inserts', async () => {
      for (let i = 0; i < 4; i++) await store.create(newBackbone());
      const first = await store.list({}, { limit: 2 });
      expect(first.next_cursor).not.toBeNull();
      const [, second] = first.items;
      await store.delete(second!.system_id);
      // Stores stamp created_at themselves; make sure the late insert gets a later timestamp
      // rather than tying with (and possibly sorting before) the cursor position.
      await new Promise((r) => setTimeout(r, 5));
      const late = await store.create(newBackbone());
      const rest = await store.list({}, { limit: 10, cursor: first.next_cursor! });
      const restIds = rest.items.map((r) => r.system_id);
      expect(restIds).toHaveLength(3);
      expect(restIds).toContain(late.system_id);
      expect(restIds).not.toContain(first.items[0]!.system_id);
    });

    it('paginates filtered results', async () => {
      for (let i = 0; i < 5; i++) await store.create(newBackbone({ org_ids: ['paged'] }));
      for (let i = 0; i < 3; i++) await store.create(newBackbone({ org_ids: ['other'] }));
      const { items } = await listAll({ org_id: 'paged' }, 2);
      expect(items).toHaveLength(5);
      expect(items.every((r) => r.org_ids.includes('paged'))).toBe(true);
      expect([...items].sort(byOrder)).toEqual(items);
    });

    it('deletes, reporting whether the record existed', async () => {
      const rec = await store.create(newBackbone({ org_ids: ['gone'] }));
      await expect(store.delete(rec.system_id)).resolves.toBe(true);
      await expect(store.get(rec.system_id)).resolves.toBeNull();
      await expect(store.delete(rec.system_id)).resolves.toBe(false);
      await expect(store.list({ org_id: 'gone' }, { limit: 10 })).resolves.toEqual({ items: [], next_cursor: null });
    });

    it('frees the release slot and the id after delete', async () => {
      const rec = newBackbone();
      await store.create(rec);
      await store.delete(rec.system_id);
      const replacement = newBackbone({ cluster_id: rec.cluster_id, namespace: rec.namespace, release_name: rec.release_name });
      await expect(store.create(replacement)).resolves.toMatchObject({ system_id: replacement.system_id });
      await store.delete(replacement.system_id);
      await expect(store.create({ ...rec, name: 'reborn' })).resolves.toMatchObject({ name: 'reborn' });
    });

    it('rejects with BackboneStoreUnavailableError once closed', async () => {
      await store.close();
      await expect(store.ping()).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.get(randomUUID())).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.create(newBackbone())).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.list({}, { limit: 1 })).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.delete(randomUUID())).rejects.toBeInstanceOf(BackboneStoreUnavailableError);
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}
