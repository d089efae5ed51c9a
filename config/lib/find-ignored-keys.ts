// Nothing is accepted silently: a key the schema takes (Pomerium has it) but no service uses yet
// becomes a warning naming it, printed by `portcullis validate` and logged at start.
import type { RawIssue } from './raw-issue.js';

/** Global keys that are parsed but not honoured, with what to know about each. */
export const IGNORED_GLOBAL_KEYS: Readonly<Record<string, string>> = {
  health_check_addr:
    'is ignored: there is no separate health listener (gRPC health on grpc_address, GET /healthz on authn)',
  debug_address: 'is ignored: there are no debug endpoints',
  databroker_service_url:
    'is ignored: the databroker is a library in each process; set databroker_storage_connection_string',
  databroker_service_urls:
    'is ignored: the databroker is a library in each process; set databroker_storage_connection_string',
  databroker_internal_service_url:
    'is ignored: the databroker is a library in each process; set databroker_storage_connection_string',
  access_log_fields: 'is ignored: the access log fields are not configurable yet',
  authorize_log_fields: 'is ignored: the authorize log line has fixed fields',
  idp_access_token_allowed_audiences:
    'is ignored: IdP access tokens are not accepted as bearers yet',
  identity_providers: 'is ignored: external JWT issuers are not supported yet',
  bearer_token_format: 'is ignored: only the default bearer token format is supported',
};

/** Warns for each ignored key the file (or the environment) sets. */
export function findIgnoredKeys(raw: Record<string, unknown>, out: RawIssue[]): void {
  for (const [key, why] of Object.entries(IGNORED_GLOBAL_KEYS)) {
    if (raw[key] !== undefined && raw[key] !== null) {
      out.push({ code: 'ignored_key', path: [key], atKey: true, message: why });
    }
  }
}
