// The checks one IdP bearer token goes through (docs/machine-access.md "What is checked"): a JWT
// against the IdP's JWKS (asymmetric algorithms only, issuer, exp/nbf/iat, sub; ID-token azp and
// typ rules), an opaque token at the IdP (RFC 7662 introspection when advertised, else
// userinfo). A failed check throws TokenRefused with the reason; an IdP that cannot answer throws
// AUTHN_IDP_UNAVAILABLE (503, fail closed).
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { PortcullisError } from '../../../errors/index.js';
import { IDP_JWT_ALGORITHMS, IDP_JWT_LEEWAY_S } from '../../../wire/index.js';
import type { BearerSettings } from './bearer-settings.js';
import type { IdpEndpoints } from './idp-endpoints.js';

/** How long an opaque token's verdict is trusted when the IdP gives no expiry. */
export const OPAQUE_TTL_MS = 5 * 60_000;

/** A token the checks refuse (its message is the RFC 6750 error_description). */
export class TokenRefused extends Error {}

export function refuse(description: string): never {
  throw new TokenRefused(description);
}

export function unavailable(message: string, cause?: unknown): PortcullisError {
  return new PortcullisError('AUTHN_IDP_UNAVAILABLE', message, { cause });
}

export function audList(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

function describeJoseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const claim = (error as { claim?: string }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'nbf'
        ? 'the token is not valid yet'
        : claim === 'iss'
          ? 'the token was issued by another issuer'
          : `the token's ${claim ?? 'claims'} claim is not acceptable`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'the token is signed with an algorithm that is not allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature does not verify';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the token is not signed by a key of the identity provider';
    default:
      return 'the token is malformed';
  }
}

export async function verifyJwt(
  s: BearerSettings,
  token: string,
  idp: IdpEndpoints,
  now: number,
): Promise<{ payload: JWTPayload; until: number }> {
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(token).typ;
  } catch {
    refuse('the token is malformed');
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, idp.keySet, {
      algorithms: [...IDP_JWT_ALGORITHMS],
      issuer: idp.issuer,
      clockTolerance: IDP_JWT_LEEWAY_S,
      currentDate: new Date(now),
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (error) {
    if (error instanceof PortcullisError) throw error;
    refuse(describeJoseError(error));
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') refuse('the token names no subject');
  if (payload.iat !== undefined && payload.iat > now / 1000 + IDP_JWT_LEEWAY_S) {
    refuse('the token was issued in the future');
  }
  const exp = payload.exp as number;
  if (!Number.isSafeInteger(Math.floor(exp * 1000))) refuse('the token has an absurd expiry');
  if (s.format === 'idp_identity_token') {
    // an access token is not an identity token, even when its audience happens to match
    if (typeof typ === 'string' && /^(application\/)?at\+jwt$/i.test(typ)) {
      refuse('an access token was sent where an identity token is required');
    }
    const aud = audList(payload.aud);
    const azp = (payload as { azp?: unknown }).azp;
    if (aud.length > 1 && azp === undefined) refuse('the token has several audiences and no azp');
    if (azp !== undefined && azp !== s.clientId) refuse('the token was issued to another client');
  }
  return { payload, until: exp * 1000 + IDP_JWT_LEEWAY_S * 1000 };
}

export async function askIdp(
  s: BearerSettings,
  token: string,
  idp: IdpEndpoints,
  now: number,
  doFetch: typeof fetch,
  takeIdpCall: () => void,
): Promise<{ payload: Record<string, unknown>; until: number; aud: string[] | null }> {
  takeIdpCall();
  if (idp.introspection !== null) {
    let body: Record<string, unknown>;
    try {
      const res = await doFetch(idp.introspection, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(
            `${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`,
          ).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status !== 200) throw new Error(`introspection answered ${res.status}`);
      body = (await res.json()) as Record<string, unknown>;
    } catch (error) {
      throw unavailable('the IdP introspection endpoint cannot be asked', error);
    }
    if (body.active !== true) refuse('the identity provider says the token is not active');
    if (typeof body.sub !== 'string' || body.sub === '') refuse('the token names no subject');
    const exp = typeof body.exp === 'number' ? body.exp * 1000 : Number.POSITIVE_INFINITY;
    if (exp <= now) refuse('the token has expired');
    const iss = body.iss;
    if (iss !== undefined && iss !== idp.issuer) refuse('the token was issued by another issuer');
    const aud = body.aud === undefined ? null : audList(body.aud);
    return { payload: body, until: Math.min(exp, now + OPAQUE_TTL_MS), aud };
  }
  if (idp.userinfo === null) refuse('the identity provider cannot validate opaque tokens');
  let res: Response;
  try {
    res = await doFetch(idp.userinfo, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw unavailable('the IdP userinfo endpoint cannot be asked', error);
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    refuse('the identity provider refused the token');
  }
  if (res.status !== 200) throw unavailable(`the IdP userinfo endpoint answered ${res.status}`);
  let body: Record<string, unknown>;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch (error) {
    throw unavailable('the IdP userinfo answer is not JSON', error);
  }
  if (typeof body.sub !== 'string' || body.sub === '') refuse('the token names no subject');
  return { payload: body, until: now + OPAQUE_TTL_MS, aud: null };
}
