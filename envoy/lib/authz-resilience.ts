// What keeps one failure or one abusive client from costing other users their requests
// (issue 14, README "Failures and abuse"):
// - the authz cluster: failed connects and resets are retried on another replica, a replica
//   that refuses connections is ejected at once (outlier detection on local-origin errors) and
//   health-checked every second, so a dead replica costs well under a second of failures;
// - the Check call: retried on connect failure / reset / UNAVAILABLE (Check is idempotent);
// - HTTP/2 towards authz: many concurrent streams per connection and generous windows, so a
//   burst of cancelled Checks neither queues nor opens a connection per stream;
// - the public listener: Envoy's own rapid-reset protections (premature-reset accounting,
//   requests per I/O cycle) and bounded HTTP/2 concurrency per client connection.
import type { Json } from './envoy-values.js';

/** Outlier detection and health checks of portcullis-authorize. */
export function authzOutlierDetection(): Json {
  return {
    split_external_local_origin_errors: true,
    consecutive_local_origin_failure: 1,
    consecutive_5xx: 3,
    consecutive_gateway_failure: 2,
    interval: '1s',
    base_ejection_time: '5s',
    max_ejection_percent: 50,
  };
}

export function authzHealthChecks(): Json[] {
  return [
    {
      timeout: '0.5s',
      interval: '1s',
      unhealthy_threshold: 1,
      healthy_threshold: 1,
      no_traffic_interval: '1s',
      grpc_health_check: {},
    },
  ];
}

/**
 * Circuit breakers of portcullis-authorize. Envoy's default allows 3 retries in flight per
 * cluster, so when one authz connection ends (a replica or worker dies, or a Node HTTP/2 session
 * closes on a burst of client resets) all but 3 of the Checks it carried failed (503) instead of
 * being retried (retry_overflow). A retry budget scales with the Checks in flight instead: every
 * Check a lost connection carried may be retried once, and a struggling authz never sees more
 * retries than Checks (test/integration/authz/lean-check-envoy.test.ts shows none lost).
 */
export const AUTHZ_CIRCUIT_BREAKERS: Json = {
  thresholds: [
    {
      priority: 'DEFAULT',
      retry_budget: { budget_percent: { value: 100 }, min_retry_concurrency: 64 },
    },
  ],
};

/** HTTP/2 to authz: one connection carries many Checks; resets of some never starve the rest. */
export const AUTHZ_HTTP2_OPTIONS: Json = {
  max_concurrent_streams: 10_000,
  initial_stream_window_size: 1_048_576,
  initial_connection_window_size: 16_777_216,
  connection_keepalive: { interval: '10s', timeout: '3s' },
};

/**
 * The ext_authz grpc_service's retry policy (another replica when possible). Envoy turns the
 * back-off's max_interval into the per-try timeout of the Check (measured: 0.1 s made Checks slowed
 * by a flood time out and fail), so it is the whole ext_authz timeout.
 */
export const authzRetryPolicy = (timeout: string): Json => ({
  retry_on: 'connect-failure,refused-stream,reset,unavailable',
  num_retries: 2,
  retry_back_off: { base_interval: '0.025s', max_interval: timeout },
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: {
        '@type':
          'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
      },
    },
  ],
});

/** Runtime keys of Envoy's rapid-reset protections (CVE-2023-44487), tightened. */
export const RAPID_RESET_RUNTIME: Json = {
  // Requests from one connection handled per I/O cycle: others make progress meanwhile.
  'http.max_requests_per_io_cycle': 10,
  // After this many streams, a connection with over 50 % premature resets is closed.
  'overload.premature_reset_total_stream_count': 100,
  'overload.premature_reset_min_stream_lifetime_seconds': 1,
};
