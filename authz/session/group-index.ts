// Group records by member: loaded once from the store (paged list), then kept true by the change
// feed, so resolving a user's groups never reads the store on the hot path. While the feed is
// failing for longer than `maxStaleMs`, or the first load has not succeeded, lookups throw
// STORE_UNAVAILABLE (fail closed: a removed membership must not keep granting access).

import type { Group, RecordStore, Subscription } from '../../databroker/index.js';
import { PortcullisError } from '../../errors/index.js';

export interface GroupIndex {
  /** Groups that list the user in `member_ids`, plus groups with the given ids. */
  groupsFor(userId: string, ids: readonly string[]): Promise<readonly Group[]>;
  /**
   * Changes whenever any group record changes; null until the first load. Throws
   * STORE_UNAVAILABLE when the index is stale (lets callers reuse results computed earlier).
   */
  version(): number | null;
  close(): Promise<void>;
}

export function createGroupIndex(store: RecordStore, maxStaleMs = 10_000): GroupIndex {
  const byId = new Map<string, { version: number; group: Group }>();
  const byMember = new Map<string, Set<string>>();
  const gone = new Map<string, number>();
  let sub: Subscription | null = null;
  let ready: Promise<void> | null = null;
  let healthy = true;
  let failingSince = 0;
  let closed = false;
  let loadedOnce = false;
  let version = 0;

  const unlink = (id: string): void => {
    const old = byId.get(id);
    if (!old) return;
    version++;
    for (const m of old.group.member_ids) byMember.get(m)?.delete(id);
    byId.delete(id);
  };
  const link = (group: Group, recordVersion: number): void => {
    const old = byId.get(group.id);
    if ((old && old.version >= recordVersion) || (gone.get(group.id) ?? 0) >= recordVersion) {
      return;
    }
    unlink(group.id);
    version++;
    byId.set(group.id, { version: recordVersion, group });
    for (const m of group.member_ids) {
      let set = byMember.get(m);
      if (!set) {
        set = new Set();
        byMember.set(m, set);
      }
      set.add(group.id);
    }
  };

  const load = async (): Promise<void> => {
    sub = await store.subscribe({
      onChanges(changes) {
        for (const c of changes) {
          if (c.type !== 'group') continue;
          if (c.data === null || c.deleted_at !== null) {
            if ((byId.get(c.id)?.version ?? 0) < c.version) unlink(c.id);
            gone.set(c.id, c.version);
          } else link(c.data as Group, c.version);
        }
      },
      async onReset() {
        version++;
        byId.clear();
        byMember.clear();
        gone.clear();
        await loadAll();
      },
      onError() {
        if (healthy) failingSince = Date.now();
        healthy = false;
      },
      onRecover() {
        healthy = true;
      },
    });
    await loadAll();
    loadedOnce = true;
  };
  const loadAll = async (): Promise<void> => {
    let after: string | undefined;
    for (;;) {
      const page = await store.list('group', { limit: 1000, ...(after ? { after } : {}) });
      for (const r of page.records) if (r.data) link(r.data, r.version);
      if (page.next === null) break;
      after = page.next;
    }
  };

  const assertFresh = (): void => {
    if (closed) throw new PortcullisError('STORE_UNAVAILABLE', 'group index closed');
    if (!healthy && Date.now() - failingSince > maxStaleMs) {
      throw new PortcullisError('STORE_UNAVAILABLE', 'group records are stale (change feed down)');
    }
  };
  const ensure = async (): Promise<void> => {
    if (ready === null) {
      ready = load().catch(async (err) => {
        ready = null;
        await sub?.close().catch(() => undefined);
        sub = null;
        throw new PortcullisError('STORE_UNAVAILABLE', 'cannot load group records', { cause: err });
      });
    }
    await ready;
    assertFresh();
  };

  return {
    version() {
      if (!loadedOnce) return null;
      assertFresh();
      return version;
    },
    async groupsFor(userId, ids) {
      await ensure();
      const out: Group[] = [];
      const seen = new Set<string>();
      for (const id of byMember.get(userId) ?? []) {
        const g = byId.get(id);
        if (g && !seen.has(id)) {
          seen.add(id);
          out.push(g.group);
        }
      }
      for (const id of ids) {
        const g = byId.get(id);
        if (g && !seen.has(id)) {
          seen.add(id);
          out.push(g.group);
        }
      }
      return out;
    },
    async close() {
      closed = true;
      await sub?.close();
    },
  };
}
