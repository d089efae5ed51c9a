// What every bootstrap we write shares (reference §7.1): node id, admin on loopback, a runtime
// that lets ordinary RE2 route regexes compile, and an overload manager bounding connections.
import { ENVOY_RE2_MAX_PROGRAM_SIZE } from '../../config/index.js';
import { RAPID_RESET_RUNTIME } from './authz-resilience.js';
import { type Json, socketAddress } from './envoy-values.js';

export const DEFAULT_NODE_ID = 'portcullis';
const DEFAULT_ADMIN_PORT = 9901;

/**
 * Runtime: RE2 regexes up to program size 1000 (Envoy's default refuses more than 100, which
 * ordinary route regexes such as `^/[a-z]{1,60}$` exceed).
 */
export const RE2_MAX_PROGRAM_SIZE = ENVOY_RE2_MAX_PROGRAM_SIZE;
export const LAYERED_RUNTIME: Json = {
  layers: [
    {
      name: 'portcullis',
      static_layer: {
        're2.max_program_size.error_level': RE2_MAX_PROGRAM_SIZE,
        ...RAPID_RESET_RUNTIME,
      },
    },
  ],
};

/** A bound on open downstream connections (Envoy warns without one and could run out of fds). */
export const MAX_DOWNSTREAM_CONNECTIONS = 50_000;
export const OVERLOAD_MANAGER: Json = {
  resource_monitors: [
    {
      name: 'envoy.resource_monitors.global_downstream_max_connections',
      typed_config: {
        '@type':
          'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
        max_active_downstream_connections: MAX_DOWNSTREAM_CONNECTIONS,
      },
    },
  ],
};

export function admin(port: number | undefined): Json {
  return { address: socketAddress('127.0.0.1', port ?? DEFAULT_ADMIN_PORT) };
}
