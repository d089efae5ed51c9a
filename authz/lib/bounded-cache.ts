// The one cache type of authz's hot path (verified session tokens, signed assertions, bearer
// verdicts, client-certificate verdicts, parsed leaf certificates, reason lists): at most `max`
// entries, the oldest inserted goes first (FIFO: no bookkeeping on a hit, which is the common
// case). Each cache counts its hits, misses, evictions and expiries, and /metrics shows them by
// name. Nothing here knows about time: an owner whose entries go stale calls `expire`.
// Two caches keep their own shape for speed and say why where they live: the serialized
// CheckResponse bytes (write-check-response.ts) and the per-identity header memo
// (build-allow-response.ts, weakly keyed by identity objects so it needs no bound by count).

export interface CacheFigures {
  readonly name: string;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly expired: number;
  readonly size: number;
}

export interface BoundedCache<V, K = string> extends CacheFigures {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  /** Removes an entry its owner found stale (counted as expired). */
  expire(key: K): void;
  delete(key: K): void;
  clear(): void;
}

export function createBoundedCache<V, K = string>(name: string, max: number): BoundedCache<V, K> {
  const map = new Map<K, V>();
  let hits = 0;
  let misses = 0;
  let evictions = 0;
  let expired = 0;
  return {
    name,
    get(key) {
      const v = map.get(key);
      if (v === undefined) misses++;
      else hits++;
      return v;
    },
    set(key, value) {
      if (!map.has(key) && map.size >= max) {
        const oldest = map.keys().next();
        if (!oldest.done) {
          map.delete(oldest.value);
          evictions++;
        }
      }
      map.set(key, value);
    },
    expire(key) {
      if (map.delete(key)) expired++;
    },
    delete: (key) => void map.delete(key),
    clear: () => map.clear(),
    get size() {
      return map.size;
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
    get evictions() {
      return evictions;
    },
    get expired() {
      return expired;
    },
  };
}
