// authz's own HTTP/2 server limits. Envoy multiplexes every user's Check on a few connections,
// and cancels a Check (RST_STREAM) whenever a client resets its request. Node's HTTP/2 server
// closes a session that receives more than 33 resets a second (burst 1000) — its rapid-reset
// guard — which would fail every other user's in-flight Check on that connection. The peer
// here is Envoy (a trusted, private hop; docs/architecture.md), and the abusive client is
// stopped at Envoy's public listener instead (envoy/lib/authz-resilience.ts), so the guard is
// raised far above what Envoy can forward. grpc-js does not expose these options: they are set
// on the options object it hands to http2.createServer. Node 20 ignores them (its limit is fixed:
// about 1,000 resets close the session with INTERNAL_ERROR); there, the ext_authz retry policy
// (retry_on reset, refused-stream) re-sends the Checks such a close failed on a new connection.
import type * as grpc from '@grpc/grpc-js';

export const STREAM_RESET_BURST = 1_000_000;
export const STREAM_RESET_RATE = 100_000;

/** Raises Node's RST_STREAM rate limit on a grpc-js server (call before bindAsync). */
export function applyHttp2ServerLimits(server: grpc.Server): grpc.Server {
  const options = (server as unknown as { commonServerOptions?: Record<string, unknown> })
    .commonServerOptions;
  if (options !== undefined) {
    options.streamResetBurst = STREAM_RESET_BURST;
    options.streamResetRate = STREAM_RESET_RATE;
  }
  return server;
}
