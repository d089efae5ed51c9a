// The databroker as authz sees it (listed in docs/observability.md): records held by the
// record cache, the change feed's lag, position and health, and store errors of the feed
// (Postgres unreachable, …) by error code. Rendered when scraped.
import type { RecordCacheMetrics } from '../../databroker/index.js';

export function renderDatabrokerMetrics(
  cache: RecordCacheMetrics | undefined,
  feedErrors: ReadonlyMap<string, number>,
): string {
  const out = [
    '# HELP portcullis_databroker_cache_records Records held by the authz record cache.',
    '# TYPE portcullis_databroker_cache_records gauge',
    `portcullis_databroker_cache_records ${cache?.size ?? 0}`,
    '# HELP portcullis_databroker_feed_lag_seconds Store time of the last applied change to when it was applied.',
    '# TYPE portcullis_databroker_feed_lag_seconds gauge',
    `portcullis_databroker_feed_lag_seconds ${(cache?.feed_lag_ms ?? 0) / 1000}`,
    '# HELP portcullis_databroker_feed_position Latest store version the cache applied.',
    '# TYPE portcullis_databroker_feed_position gauge',
    `portcullis_databroker_feed_position ${cache?.feed_position ?? 0}`,
    '# HELP portcullis_databroker_feed_healthy 1 while the change feed follows the store.',
    '# TYPE portcullis_databroker_feed_healthy gauge',
    `portcullis_databroker_feed_healthy ${cache?.feed_healthy ? 1 : 0}`,
    '# HELP portcullis_databroker_feed_errors_total Change feed store errors, by error code.',
    '# TYPE portcullis_databroker_feed_errors_total counter',
  ];
  for (const [code, n] of feedErrors) {
    out.push(`portcullis_databroker_feed_errors_total{reason="${code.replace(/"/g, '')}"} ${n}`);
  }
  return `${out.join('\n')}\n`;
}
