// go-control-plane's SnapshotCache: encoded snapshots by node id ('*' for every node without its
// own), a watch API for the stream server, and per-node last good snapshots: when a node NACKs
// a version, that node is served its last fully ACKed snapshot until a newer one is set.
import type { EncodedSnapshot } from '../validate/validate-snapshot.js';

export const ANY_NODE = '*';

export interface SnapshotCache {
  set(node: string, snapshot: EncodedSnapshot): void;
  /** The snapshot to serve `node` now (its own, else '*'), or undefined. */
  get(node: string): EncodedSnapshot | undefined;
  /** Envoy on `node` accepted every type of `version`. */
  acked(node: string, version: string): void;
  /** Envoy on `node` rejected `version`. */
  rejected(node: string, version: string): void;
  /** Called with the node id ('*' for all) whenever what a node is served may have changed. */
  watch(fn: (node: string) => void): () => void;
}

export function createSnapshotCache(): SnapshotCache {
  const snapshots = new Map<string, EncodedSnapshot>();
  const lastGood = new Map<string, EncodedSnapshot>();
  const rejectedVersion = new Map<string, string>();
  const watchers = new Set<(node: string) => void>();
  const current = (node: string): EncodedSnapshot | undefined =>
    snapshots.get(node) ?? snapshots.get(ANY_NODE);
  const notify = (node: string): void => {
    for (const w of watchers) w(node);
  };
  return {
    set(node, snapshot) {
      snapshots.set(node, snapshot);
      notify(node);
    },
    get(node) {
      const snap = current(node);
      if (snap !== undefined && rejectedVersion.get(node) === snap.version)
        return lastGood.get(node);
      return snap;
    },
    acked(node, version) {
      const snap = current(node);
      if (snap?.version === version) lastGood.set(node, snap);
    },
    rejected(node, version) {
      if (current(node)?.version !== version) return;
      rejectedVersion.set(node, version);
      notify(node);
    },
    watch(fn) {
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
  };
}
