// Pomerium's `access_log_fields` and `authorize_log_fields` (docs/pomerium-behaviour.md §2.3):
// the known field names (Pomerium's own, internal/log/access.go and authorize.go), plus
// `headers.<Name>` for one request header. Anything else is refused with `invalid_enum`.
import { fail, stringList } from './schema-types.js';

export const ACCESS_LOG_FIELD_NAMES = [
  'authority',
  'duration',
  'forwarded-for',
  'ip',
  'dest-ip',
  'dest-port',
  'protocol-version',
  'method',
  'path',
  'query',
  'referer',
  'request-id',
  'response-code',
  'response-code-details',
  'size',
  'upstream-cluster',
  'user-agent',
  'upstream-transport-failure-reason',
  'downstream-transport-failure-reason',
  'tls-version',
  'tls-sni-hostname',
  'tls-cipher-suite',
  'tls-local-cert',
  'tls-peer-cert',
] as const;

export const AUTHORIZE_LOG_FIELD_NAMES = [
  'check-request-id',
  'email',
  'host',
  'id-token',
  'id-token-claims',
  'impersonate-email',
  'impersonate-session-id',
  'impersonate-user-id',
  'ip',
  'method',
  'path',
  'query',
  'request-id',
  'service-account-id',
  'session-id',
  'user',
] as const;

/** `headers.X-Name` → `x-name`, else null. */
export function headerField(name: string): string | null {
  const m = /^headers\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)$/.exec(name);
  return m ? m[1]!.toLowerCase() : null;
}

/** A list of log field names drawn from `known` (or `headers.<Name>`). */
export function logFieldList(known: readonly string[]) {
  const set = new Set(known);
  return stringList().transform((names, ctx): readonly string[] => {
    names.forEach((n, i) => {
      if (!set.has(n) && headerField(n) === null) {
        fail(ctx, 'invalid_enum', `unknown log field "${n}": one of ${known.join(', ')}`, [i]);
      }
    });
    return names;
  });
}
