// Edge settings of the main HTTP connection manager (README "Edge settings", after Envoy's
// "Configuring Envoy as an edge proxy" guide): no client is internal unless the operator lists
// its CIDRs (an internal client's x-envoy-* headers are obeyed: retries, timeouts), a client
// has 10 s to send its request headers, an idle stream ends after 5 minutes, and HTTP/2
// streams and windows are bounded.
import type { Config } from '../../config/index.js';
import { duration, type Json } from '../lib/envoy-values.js';

export const REQUEST_HEADERS_TIMEOUT_MS = 10_000;
export const STREAM_IDLE_TIMEOUT_MS = 300_000;

function cidr(range: string): Json {
  const slash = range.indexOf('/');
  const address = slash === -1 ? range : range.slice(0, slash);
  const len = slash === -1 ? (address.includes(':') ? 128 : 32) : Number(range.slice(slash + 1));
  return { address_prefix: address, prefix_len: len };
}

/**
 * No range at all makes Envoy fall back to its default (loopback and RFC 1918 are internal), so
 * "nobody" is written as the unspecified addresses, which are never a client's source.
 */
const NOBODY = ['0.0.0.0/32', '::/128'];

export function buildEdgeSettings(config: Config): Json {
  const ranges = config.internal_address_cidrs.length > 0 ? config.internal_address_cidrs : NOBODY;
  return {
    internal_address_config: { cidr_ranges: ranges.map(cidr) },
    request_headers_timeout: duration(REQUEST_HEADERS_TIMEOUT_MS),
    stream_idle_timeout: duration(STREAM_IDLE_TIMEOUT_MS),
    http2_protocol_options: {
      max_concurrent_streams: 100,
      initial_stream_window_size: 65_536,
      initial_connection_window_size: 1_048_576,
    },
  };
}
