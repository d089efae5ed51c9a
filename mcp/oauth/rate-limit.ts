// A token bucket (docs/mcp.md): dynamic client registration is open to anyone who can reach a
// route host, so each authn process admits only so many registrations per second.

export interface RateLimit {
  /** True when one more event is admitted now. */
  take(): boolean;
}

export function createRateLimit(perSecond: number, burst: number, now = Date.now): RateLimit {
  let tokens = burst;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - at) / 1000) * perSecond);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/** Registrations per second per process, and the burst a fleet of new clients may use at once. */
export const REGISTRATIONS_PER_SECOND = 2;
export const REGISTRATION_BURST = 30;
