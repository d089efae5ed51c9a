// Every JWT the IdP hands us is verified here with `jose` against the IdP's JWKS (never trusted
// because it came over TLS): ID tokens (code exchange and refresh), back-channel logout tokens
// and JWT userinfo. Signature with an asymmetric algorithm, `iss`, `aud`, `azp`, `nonce`,
// `exp`/`nbf`/`iat` with ID_TOKEN_LEEWAY_S of clock skew either way.
import { type JWTPayload, jwtVerify } from 'jose';
import { PortcullisError } from '../../../errors/index.js';
import { IDP_JWT_ALGORITHMS, IDP_JWT_LEEWAY_S, type IdpKeySet } from '../../../wire/index.js';

/** The algorithm allow-list and clock skew have one home: wire/idp-key-set.ts. */
export const ID_TOKEN_ALGORITHMS: readonly string[] = IDP_JWT_ALGORITHMS;
export const ID_TOKEN_LEEWAY_S = IDP_JWT_LEEWAY_S;

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface IdpJwtChecks {
  readonly keySet: IdpKeySet;
  readonly issuer: string;
  readonly clientId: string;
  /** Epoch ms. */
  readonly now: number;
}

function invalid(message: string, cause?: unknown): PortcullisError {
  return new PortcullisError('AUTHN_TOKEN_INVALID', message, { cause });
}

async function verify(
  jwt: string,
  checks: IdpJwtChecks,
  what: string,
  required: string[],
): Promise<JWTPayload> {
  if (typeof jwt !== 'string' || jwt.length > 64 * 1024) throw invalid(`${what} is malformed`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, checks.keySet, {
      algorithms: [...ID_TOKEN_ALGORITHMS],
      issuer: checks.issuer,
      audience: checks.clientId,
      clockTolerance: ID_TOKEN_LEEWAY_S,
      currentDate: new Date(checks.now),
      requiredClaims: required,
    }));
  } catch (error) {
    if (error instanceof PortcullisError) throw error;
    const code = (error as { code?: string }).code ?? 'ERR_JOSE';
    throw invalid(`${what} refused (${code})`, error);
  }
  const nowS = checks.now / 1000;
  if (payload.iat !== undefined && payload.iat > nowS + ID_TOKEN_LEEWAY_S) {
    throw invalid(`${what} refused (issued in the future)`);
  }
  if (payload.exp !== undefined && !Number.isSafeInteger(Math.floor(payload.exp))) {
    throw invalid(`${what} refused (absurd exp)`);
  }
  const aud = payload.aud;
  const azp = (payload as { azp?: unknown }).azp;
  if (Array.isArray(aud) && aud.length > 1 && azp === undefined) {
    throw invalid(`${what} refused (several audiences and no azp)`);
  }
  if (azp !== undefined && azp !== checks.clientId) {
    throw invalid(`${what} refused (azp is another client)`);
  }
  return payload;
}

/** An ID token: also `sub`, `iat`, `exp`, and the nonce of this login when one was sent. */
export async function verifyIdToken(
  jwt: string,
  checks: IdpJwtChecks & { readonly nonce?: string },
): Promise<JWTPayload & { sub: string; iat: number; exp: number }> {
  const payload = await verify(jwt, checks, 'ID token', ['sub', 'iat', 'exp']);
  if (typeof payload.sub !== 'string' || payload.sub === '') throw invalid('ID token has no sub');
  if (checks.nonce !== undefined && payload.nonce !== checks.nonce) {
    throw invalid('ID token refused (nonce mismatch)');
  }
  return payload as JWTPayload & { sub: string; iat: number; exp: number };
}

/** A back-channel logout token (OIDC Back-Channel Logout 1.0 §2.6): the logout event, no nonce. */
export async function verifyLogoutToken(
  jwt: string,
  checks: IdpJwtChecks,
): Promise<{ readonly sub?: string; readonly sid?: string }> {
  const payload = await verify(jwt, checks, 'logout token', ['iat', 'jti']);
  const events = (payload as { events?: unknown }).events;
  if (
    typeof events !== 'object' ||
    events === null ||
    Array.isArray(events) ||
    !Object.hasOwn(events, LOGOUT_EVENT)
  ) {
    throw invalid('logout token refused (no logout event)');
  }
  if ('nonce' in payload) throw invalid('logout token refused (nonce present)');
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  const sidRaw = (payload as { sid?: unknown }).sid;
  const sid = typeof sidRaw === 'string' && sidRaw !== '' ? sidRaw : undefined;
  if (!sub && !sid) throw invalid('logout token refused (neither sub nor sid)');
  return { ...(sub ? { sub } : {}), ...(sid ? { sid } : {}) };
}

/** A signed userinfo response (`application/jwt`): signature, `iss`, `aud`, the expected `sub`. */
export async function verifyUserInfoJwt(
  jwt: string,
  checks: IdpJwtChecks & { readonly subject: string },
): Promise<JWTPayload> {
  const payload = await verify(jwt, checks, 'userinfo', ['sub']);
  if (payload.sub !== checks.subject) throw invalid('userinfo names another subject');
  return payload;
}
