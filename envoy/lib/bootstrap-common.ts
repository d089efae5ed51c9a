// What every bootstrap we write shares (docs/pomerium-behaviour.md §7.1): node id, admin on loopback, a runtime
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

/** Where and how Envoy's admin interface runs (envoy_admin_* keys, docs/pomerium-behaviour.md §2.3). */
export interface AdminSettings {
  /** `host:port` (envoy_admin_address); default 127.0.0.1 and the given or default port. */
  readonly address?: string | undefined;
  /** envoy_admin_access_log_path: a file access log of the admin interface. */
  readonly accessLogPath?: string | undefined;
  /** envoy_admin_profile_path: where CPU profiles are written. */
  readonly profilePath?: string | undefined;
}

function hostAndPort(address: string): [string, number] {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(address.trim());
  if (m === null) return ['127.0.0.1', Number(address) || DEFAULT_ADMIN_PORT];
  return [m[1] === '' ? '0.0.0.0' : m[1]!, Number(m[2])];
}

export function admin(port: number | undefined, settings: AdminSettings = {}): Json {
  const [host, p] =
    settings.address === undefined
      ? ['127.0.0.1', port ?? DEFAULT_ADMIN_PORT]
      : hostAndPort(settings.address);
  const out: Json = { address: socketAddress(host, p) };
  if (settings.accessLogPath !== undefined) {
    out.access_log = [
      {
        name: 'envoy.access_loggers.file',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
          path: settings.accessLogPath,
        },
      },
    ];
  }
  if (settings.profilePath !== undefined) out.profile_path = settings.profilePath;
  return out;
}

/** The admin settings a config asks for (none set: loopback on the default or given port). */
export function adminSettings(config: {
  readonly envoy_admin_address?: string | undefined;
  readonly envoy_admin_access_log_path?: string | undefined;
  readonly envoy_admin_profile_path?: string | undefined;
}): AdminSettings {
  return {
    address: config.envoy_admin_address,
    accessLogPath: config.envoy_admin_access_log_path,
    profilePath: config.envoy_admin_profile_path,
  };
}
