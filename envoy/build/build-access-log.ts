// The HTTP access log of the main listener: one JSON line per request on Envoy's stdout (the
// supervised Envoy's stdout is merged into our log stream by start-envoy.ts). Pomerium's
// `access_log_fields` names select the request fields (docs/pomerium-behaviour.md §2.3, default
// list when unset); the fields an operator needs to follow one request are always there: the
// request id, the Envoy route name, the route id and name and the authz decision and reason
// (dynamic metadata the Check sets: authz/grpc/decision-metadata.ts), the upstream host and the
// durations. Field reference: docs/observability.md.
import { type Config, headerField } from '../../config/index.js';
import type { Json } from '../lib/envoy-values.js';
import { EXT_AUTHZ_FILTER, TYPES } from '../lib/names.js';

const authz = (key: string): string => `%DYNAMIC_METADATA(${EXT_AUTHZ_FILTER}:${key})%`;

/**
 * Pomerium's access log field names (config/lib/log-fields.ts) → Envoy command operators;
 * `headers.<Name>` is the request header.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  authority: '%REQ(:AUTHORITY)%',
  duration: '%DURATION%',
  'forwarded-for': '%REQ(X-FORWARDED-FOR)%',
  ip: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%',
  'dest-ip': '%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%',
  'dest-port': '%DOWNSTREAM_LOCAL_PORT%',
  'protocol-version': '%PROTOCOL%',
  method: '%REQ(:METHOD)%',
  path: '%PATH(NQ:ORIG_OR_PATH)%',
  query: '%REQ(:PATH)%', // Envoy has no query-only operator: the whole request target
  referer: '%REQ(REFERER)%',
  'request-id': '%REQ(X-REQUEST-ID)%',
  'response-code': '%RESPONSE_CODE%',
  'response-code-details': '%RESPONSE_CODE_DETAILS%',
  size: '%BYTES_SENT%',
  'upstream-cluster': '%UPSTREAM_CLUSTER%',
  'user-agent': '%REQ(USER-AGENT)%',
  'upstream-transport-failure-reason': '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  'downstream-transport-failure-reason': '%DOWNSTREAM_TRANSPORT_FAILURE_REASON%',
  'tls-version': '%DOWNSTREAM_TLS_VERSION%',
  'tls-sni-hostname': '%REQUESTED_SERVER_NAME%',
  'tls-cipher-suite': '%DOWNSTREAM_TLS_CIPHER%',
  'tls-local-cert': '%DOWNSTREAM_LOCAL_SUBJECT%',
  'tls-peer-cert': '%DOWNSTREAM_PEER_SUBJECT%',
};

/** Pomerium's default `access_log_fields`. */
export const DEFAULT_ACCESS_LOG_FIELDS: readonly string[] = [
  'upstream-cluster',
  'method',
  'authority',
  'path',
  'user-agent',
  'referer',
  'forwarded-for',
  'request-id',
  'duration',
  'size',
  'response-code',
  'response-code-details',
];

/** Always logged, whatever the selection. */
const ALWAYS: Readonly<Record<string, string>> = {
  service: 'envoy',
  message: 'http-request',
  'request-id': '%REQ(X-REQUEST-ID)%',
  'envoy-route-name': '%ROUTE_NAME%',
  'route-id': authz('route_id'),
  'route-name': authz('route_name'),
  'authz-decision': authz('decision'),
  'authz-reason': authz('reason'),
  'upstream-host': '%UPSTREAM_HOST%',
  'request-duration': '%REQUEST_DURATION%',
  'response-duration': '%RESPONSE_DURATION%',
};

/** The JSON format of one access log line for the configured `access_log_fields`. */
export function accessLogFormat(fields: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fields ?? DEFAULT_ACCESS_LOG_FIELDS) {
    const header = headerField(name);
    const op = header === null ? ACCESS_LOG_FIELDS[name] : `%REQ(${header})%`;
    if (op !== undefined) out[name] = op;
  }
  return { ...out, ...ALWAYS };
}

/** The HCM `access_log` list. */
export function buildAccessLog(config: Pick<Config, 'access_log_fields'>): Json[] {
  return [
    {
      name: 'envoy.access_loggers.stdout',
      typed_config: {
        '@type': TYPES.stdoutAccessLog,
        log_format: { json_format: accessLogFormat(config.access_log_fields) },
      },
    },
  ];
}
