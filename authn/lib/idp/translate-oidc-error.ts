// openid-client / oauth4webapi errors are translated here, once, into AUTHN_* codes: refusals
// (bad token, invalid_grant, failed checks) vs the IdP being unreachable (retry later).
import { ClientError, ResponseBodyError } from 'openid-client';
import { PortcullisError } from '../../../errors/index.js';

/** `AUTHN_TOKEN_INVALID` (permanent) or `AUTHN_IDP_UNAVAILABLE` (temporary). */
export function translateOidcError(error: unknown, what: string): PortcullisError {
  if (error instanceof PortcullisError) return error;
  if (error instanceof ResponseBodyError) {
    const code = error.status >= 500 ? 'AUTHN_IDP_UNAVAILABLE' : 'AUTHN_TOKEN_INVALID';
    return new PortcullisError(code, `${what}: the IdP answered ${error.error}`, { cause: error });
  }
  if (error instanceof ClientError && error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    return new PortcullisError('AUTHN_IDP_UNAVAILABLE', `${what}: unexpected IdP response`, {
      cause: error,
    });
  }
  const name = (error as { name?: string } | null)?.name;
  if (error instanceof TypeError || name === 'AbortError' || name === 'TimeoutError') {
    return new PortcullisError('AUTHN_IDP_UNAVAILABLE', `${what}: the IdP cannot be reached`, {
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : 'failed';
  return new PortcullisError('AUTHN_TOKEN_INVALID', `${what}: ${detail}`, { cause: error });
}
