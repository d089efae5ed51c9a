// Internal Check deadlines without a timer per request: in-flight Checks register their deadline;
// one unref'd interval (only while something is in flight) fails the ones that ran out.

export interface DeadlineWatch {
  /** Calls `onExpire` once if `release` was not called within `ms`. Returns `release`. */
  watch(ms: number, onExpire: () => void): () => void;
  close(): void;
}

export function createDeadlineWatch(now: () => number = () => performance.now()): DeadlineWatch {
  const inflight = new Map<number, { at: number; onExpire: () => void }>();
  let seq = 0;
  let timer: NodeJS.Timeout | null = null;
  let tickMs = 0;
  const sweep = (): void => {
    const t = now();
    for (const [id, e] of inflight) {
      if (e.at <= t) {
        inflight.delete(id);
        e.onExpire();
      }
    }
    if (inflight.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
  return {
    watch(ms, onExpire) {
      const id = ++seq;
      inflight.set(id, { at: now() + ms, onExpire });
      // Resolution: a tenth of the shortest deadline seen, between 1 and 25 ms.
      const tick = Math.max(1, Math.min(25, Math.floor(ms / 10)));
      if (timer === null || tick < tickMs) {
        if (timer !== null) clearInterval(timer);
        tickMs = tick;
        timer = setInterval(sweep, tick);
        timer.unref();
      }
      return () => void inflight.delete(id);
    },
    close() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      inflight.clear();
    },
  };
}
