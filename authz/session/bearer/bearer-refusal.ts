// The answer to a refused IdP bearer token (RFC 6750 §3.1): 401 with
// `WWW-Authenticate: Bearer error="invalid_token", error_description="…"` and the reason in a JSON
// body (a gRPC status for gRPC clients), never a redirect to sign-in (a machine cannot follow
// one). docs/machine-access.md.
import type { AuthzRequest, AuthzResponse } from '../../lib/authz-types.js';
import { buildDenial } from '../../respond/build-denial.js';

/** RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash). */
export function bearerChallenge(description: string): string {
  const safe = description.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ').slice(0, 200);
  return `Bearer error="invalid_token", error_description="${safe}"`;
}

export function bearerRefusal(
  req: Pick<AuthzRequest, 'requestId' | 'http'>,
  description: string,
): AuthzResponse {
  return buildDenial(
    {
      status: 401,
      error: 'invalid_token',
      requestId: req.requestId,
      code: 'AUTHZ_BEARER_INVALID',
      reasons: [description],
      headers: [['www-authenticate', bearerChallenge(description)]],
    },
    // a machine reads JSON (or a gRPC status), whatever its Accept header asks for
    { ...req.http.headers, accept: 'application/json' },
  );
}
