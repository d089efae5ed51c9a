// A parsed config is immutable: every object and array in it is frozen, all the way down.

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Walked without Object.values' array per object (a 20,000-route config has ~200,000).
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    } else {
      const o = value as Record<string, unknown>;
      for (const k in o) if (Object.hasOwn(o, k)) deepFreeze(o[k]);
    }
  }
  return value;
}
