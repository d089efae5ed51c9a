// Every symmetric key used on the wire is derived from a deployment secret with HKDF-SHA-256 and
// its own label, so no key is ever used for two purposes.
import { hkdfSync } from 'node:crypto';
import { PortcullisError } from '../../errors/index.js';

/** Keys derived from `shared_secret` (and `cookie_secret`). Each is 32 raw bytes. */
export interface DerivedKeys {
  /** HMAC-SHA-512/256 key of signed URLs (`pomerium_signature`). */
  readonly urlKey: Uint8Array;
  /** HS256 key of the session handle JWT (`_pomerium`, `_pomerium_authenticate`, `pomerium_jwt`). */
  readonly sessionKey: Uint8Array;
  /** AES-256-GCM key of the session payload carried to `/.pomerium/callback/`. */
  readonly payloadKey: Uint8Array;
  /** HS256 key of the service JWT gRPC callers send in the `jwt` metadata. */
  readonly grpcKey: Uint8Array;
  /** AES-256-GCM key of the OAuth `state` (from `cookie_secret` when given). */
  readonly stateKey: Uint8Array;
  /** HMAC key of the CSRF cookie (from `cookie_secret` when given). */
  readonly csrfKey: Uint8Array;
}

const SALT = Buffer.from('portcullis wire keys v1');

/**
 * Decodes a base64 (standard or URL alphabet) secret of at least 32 bytes.
 * Throws `KEY_INVALID` (never echoing the value) otherwise.
 */
export function decodeSecret(secret: string, name = 'secret'): Uint8Array {
  const text = secret.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new PortcullisError('KEY_INVALID', `${name} is not base64`);
  }
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 32) {
    throw new PortcullisError('KEY_INVALID', `${name} must decode to at least 32 bytes`);
  }
  return new Uint8Array(bytes);
}

function derive(ikm: Uint8Array, label: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, SALT, Buffer.from(label), 32));
}

/**
 * Derives the wire keys from the base64 `shared_secret` (and optionally the base64
 * `cookie_secret`, which then keys `state` and the CSRF cookie).
 *
 * @example
 * const keys = deriveKeys(config.shared_secret, config.cookie_secret);
 * const url = signUrl('https://auth.example.com/.pomerium/sign_in?x=1', keys.urlKey);
 */
export function deriveKeys(sharedSecret: string, cookieSecret?: string): DerivedKeys {
  const shared = decodeSecret(sharedSecret, 'shared_secret');
  const cookie = cookieSecret ? decodeSecret(cookieSecret, 'cookie_secret') : shared;
  return Object.freeze({
    urlKey: derive(shared, 'signed-url'),
    sessionKey: derive(shared, 'session-handle'),
    payloadKey: derive(shared, 'callback-payload'),
    grpcKey: derive(shared, 'grpc-service-jwt'),
    stateKey: derive(cookie, 'oauth-state'),
    csrfKey: derive(cookie, 'csrf-cookie'),
  });
}
