// Sign in with Apple authenticates the client with an ES256 JWT instead of a static secret
// (docs/identity-providers.md, Apple): header `kid` = the key id, `iss` = the team id, `sub` = the
// client id (Services ID), `aud` = Apple's issuer, at most six months long. Pomerium takes a
// pre-signed JWT in idp_client_secret (accepted as is); with the downloaded .p8 private key in
// idp_client_secret and idp_apple_team_id / idp_apple_key_id set, Portcullis mints the JWT itself
// and renews it before it expires, so nobody re-signs a secret every six months.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { appleKeyProblem } from '../../../config/index.js';
import { PortcullisError } from '../../../errors/index.js';

/** Lifetime of a minted client secret; renewed when less than RENEW_BEFORE_S is left. */
export const APPLE_SECRET_TTL_S = 3600;
const RENEW_BEFORE_S = 600;

export { isPemPrivateKey } from '../../../config/index.js';

/** A P-256 private key from PEM, or CONFIG_INVALID (the key is never printed). */
export function loadAppleKey(pem: string): KeyObject {
  const problem = appleKeyProblem(pem);
  if (problem) throw new PortcullisError('CONFIG_INVALID', `idp_client_secret: ${problem}`);
  return createPrivateKey(pem);
}

export interface AppleSecretOptions {
  readonly teamId: string;
  readonly keyId: string;
  readonly clientId: string;
  /** `aud`: Apple's issuer (https://appleid.apple.com). */
  readonly audience: string;
  readonly privateKey: KeyObject;
  /** Epoch ms. */
  readonly now: () => number;
}

/** A source of client secrets: the cached JWT, or a fresh one when it is about to expire. */
export function appleClientSecret(options: AppleSecretOptions): () => Promise<string> {
  let current: { jwt: string; exp: number } | null = null;
  return async () => {
    const nowS = Math.floor(options.now() / 1000);
    if (current && current.exp - nowS > RENEW_BEFORE_S) return current.jwt;
    const exp = nowS + APPLE_SECRET_TTL_S;
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: options.keyId })
      .setIssuer(options.teamId)
      .setSubject(options.clientId)
      .setAudience(options.audience)
      .setIssuedAt(nowS)
      .setExpirationTime(exp)
      .sign(options.privateKey);
    current = { jwt, exp };
    return jwt;
  };
}

/**
 * What is wrong with a pre-signed client secret (Pomerium's form), for a load-time warning:
 * not a JWT, not ES256, or expired / expiring within 14 days. Null when it looks usable.
 */
export function describePresignedSecret(secret: string, nowMs: number): string | null {
  let exp: number | undefined;
  try {
    if (decodeProtectedHeader(secret).alg !== 'ES256') {
      return 'the Apple client secret JWT is not signed with ES256';
    }
    exp = decodeJwt(secret).exp;
  } catch {
    return 'idp_client_secret for Apple is neither a signed client-secret JWT nor a .p8 private key';
  }
  if (exp === undefined) return 'the Apple client secret JWT has no exp';
  const left = exp - nowMs / 1000;
  if (left <= 0) return 'the Apple client secret JWT has expired: Apple refuses every sign-in';
  if (left < 14 * 86_400) {
    return `the Apple client secret JWT expires in ${Math.ceil(left / 86_400)} day(s); mint it from the .p8 key (idp_apple_team_id, idp_apple_key_id) to have it renewed`;
  }
  return null;
}
