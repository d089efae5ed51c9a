// A size-bounded map for the hot-path caches (verified tokens, signed assertions, certificate
// verdicts): at most `max` entries, the oldest inserted goes first. Nothing here knows about time.

export interface BoundedCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  readonly size: number;
  clear(): void;
}

export function createBoundedCache<V>(max: number): BoundedCache<V> {
  const map = new Map<string, V>();
  return {
    get: (key) => map.get(key),
    set(key, value) {
      if (!map.has(key) && map.size >= max) {
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
      map.set(key, value);
    },
    delete: (key) => void map.delete(key),
    get size() {
      return map.size;
    },
    clear: () => map.clear(),
  };
}
