// The request and identity fields of the `authorize` line chosen by Pomerium's
// `authorize_log_fields` (names: config/lib/log-fields.ts). Fields Portcullis does not have
// (impersonation, service accounts, the IdP's ID token) are left out. `headers.<Name>` logs
// that request header under `headers` (cookie and authorization stay redacted by the logger).
import { headerField } from '../../config/index.js';
import type { PolicyIdentity } from '../policy/types.js';
import type { AuthzRequest } from './authz-types.js';

export function selectedAuthorizeFields(
  names: readonly string[],
  req: AuthzRequest | null,
  identity: PolicyIdentity | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let headers: Record<string, string> | undefined;
  for (const name of names) {
    const header = headerField(name);
    if (header !== null) {
      headers ??= {};
      headers[header] = req?.http.headers[header] ?? '';
      continue;
    }
    switch (name) {
      case 'request-id':
        out.request_id = req?.requestId ?? '';
        break;
      case 'check-request-id':
        out.check_request_id = req?.checkRequestId ?? '';
        break;
      case 'method':
        out.method = req?.http.method ?? '';
        break;
      case 'path':
        out.path = req?.http.rawPath ?? '';
        break;
      case 'query':
        out.query = req?.http.rawQuery ?? '';
        break;
      case 'host':
        out.host = req?.http.host ?? '';
        break;
      case 'ip':
        out.ip = req?.http.sourceIp ?? '';
        break;
      case 'session-id':
        out.session_id = identity?.sessionId ?? '';
        break;
      case 'user':
        out.user = identity?.userId ?? '';
        break;
      case 'email':
        out.email = identity?.email ?? '';
        break;
      default:
        break;
    }
  }
  if (headers !== undefined) out.headers = headers;
  return out;
}
