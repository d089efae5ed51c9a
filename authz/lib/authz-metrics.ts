// Prometheus counters of the Check server (text exposition format 0.0.4): decisions by route,
// outcome and status, a latency histogram, errors by code, cache hits and misses, reloads.
// Recording is a map increment; the text is rendered only when scraped.
import { byLabel, metricFamily } from '../../wire/index.js';

const BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

/** What /metrics shows of one cache (bounded-cache.ts, or the databroker's record cache). */
export interface CacheFigures {
  readonly name: string;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly size: number;
}

export interface AuthzMetrics {
  decision(
    routeId: string,
    outcome: string,
    status: number,
    seconds: number,
    routeName?: string,
  ): void;
  error(code: string): void;
  reload(ok: boolean): void;
  render(caches: readonly CacheFigures[], extra?: Readonly<Record<string, number>>): string;
}

export function createAuthzMetrics(): AuthzMetrics {
  const decisions = new Map<string, number>();
  const errors = new Map<string, number>();
  const reloads = { ok: 0, failed: 0 };
  const counts = new Array<number>(BUCKETS.length).fill(0);
  let sum = 0;
  let total = 0;
  return {
    decision(routeId, outcome, status, seconds, routeName = '') {
      const key = `${routeId}\u0000${outcome}\u0000${status}\u0000${routeName}`;
      decisions.set(key, (decisions.get(key) ?? 0) + 1);
      total++;
      sum += seconds;
      for (let i = 0; i < BUCKETS.length; i++) {
        if (seconds <= (BUCKETS[i] as number)) {
          counts[i] = (counts[i] as number) + 1;
          break;
        }
      }
    },
    error(code) {
      errors.set(code, (errors.get(code) ?? 0) + 1);
    },
    reload(ok) {
      if (ok) reloads.ok++;
      else reloads.failed++;
    },
    render(caches, extra = {}) {
      const out = metricFamily(
        'portcullis_authz_checks_total',
        'counter',
        'Check decisions by route (id and name), outcome and HTTP status.',
        [...decisions].map(([key, n]) => {
          const [route, outcome, status, name] = key.split('\u0000') as [
            string,
            string,
            string,
            string,
          ];
          return [{ route, route_name: name, outcome, status }, n] as const;
        }),
      );
      out.push('# HELP portcullis_authz_check_duration_seconds Time to answer one Check.');
      out.push('# TYPE portcullis_authz_check_duration_seconds histogram');
      let cumulative = 0;
      BUCKETS.forEach((b, i) => {
        cumulative += counts[i] as number;
        out.push(`portcullis_authz_check_duration_seconds_bucket{le="${b}"} ${cumulative}`);
      });
      out.push(`portcullis_authz_check_duration_seconds_bucket{le="+Inf"} ${total}`);
      out.push(`portcullis_authz_check_duration_seconds_sum ${sum}`);
      out.push(`portcullis_authz_check_duration_seconds_count ${total}`);
      out.push(
        ...metricFamily(
          'portcullis_authz_errors_total',
          'counter',
          'Checks that failed closed, by error code.',
          byLabel('reason', errors),
        ),
      );
      const perCache = (field: 'hits' | 'misses' | 'evictions' | 'size') =>
        caches.map((c) => [{ cache: c.name }, c[field]] as const);
      out.push(
        ...metricFamily(
          'portcullis_authz_cache_hits_total',
          'counter',
          'Cache hits by cache.',
          perCache('hits'),
        ),
        ...metricFamily(
          'portcullis_authz_cache_misses_total',
          'counter',
          'Cache misses by cache.',
          perCache('misses'),
        ),
        ...metricFamily(
          'portcullis_authz_cache_evictions_total',
          'counter',
          'Entries dropped by cache because it was full.',
          perCache('evictions'),
        ),
        ...metricFamily(
          'portcullis_authz_cache_entries',
          'gauge',
          'Entries held by cache.',
          perCache('size'),
        ),
        ...metricFamily(
          'portcullis_authz_reloads_total',
          'counter',
          'Configuration reloads by result.',
          byLabel('result', [
            ['ok', reloads.ok],
            ['failed', reloads.failed],
          ]),
        ),
      );
      for (const [name, v] of Object.entries(extra)) {
        out.push(`# TYPE ${name} gauge`, `${name} ${v}`);
      }
      return `${out.join('\n')}\n`;
    },
  };
}
