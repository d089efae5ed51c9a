// signing_key PEM(s) → private keys and public JWKs (docs/pomerium-behaviour.md §2.3, §4.2): EC P-256 → ES256,
// RSA → RS256; several keys: the first signs, all are published; kid = RFC 7638 thumbprint (hex).
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { PortcullisError } from '../../errors/index.js';

/** A public JWK as published in `/.well-known/pomerium/jwks.json`. */
export interface PublicJwk {
  readonly kty: 'EC' | 'RSA';
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
  readonly use: 'sig';
  readonly crv?: 'P-256';
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
}

/** One loaded signing key. */
export interface SigningKey {
  readonly alg: 'ES256' | 'RS256';
  /** Hex SHA-256 RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  /** Usable with `jose` (`new SignJWT(...).sign(privateKey)`) and `node:crypto`. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const PRIVATE_LABELS = new Set(['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY']);

function bad(message: string): PortcullisError {
  return new PortcullisError('KEY_INVALID', `signing_key: ${message}`);
}

/** RFC 7638 thumbprint (SHA-256, hex) over the required members in lexicographic order. */
export function jwkThumbprint(jwk: { kty: string; [k: string]: unknown }): string {
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('hex');
}

function toSigningKey(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  let alg: 'ES256' | 'RS256';
  let pub: Omit<PublicJwk, 'kid' | 'alg' | 'use'>;
  if (privateKey.asymmetricKeyType === 'ec') {
    if (jwk.crv !== 'P-256') throw bad(`EC curve ${jwk.crv} is not supported (use P-256)`);
    alg = 'ES256';
    pub = { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string };
  } else if (privateKey.asymmetricKeyType === 'rsa') {
    if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw bad('RSA keys must have at least 2048 bits');
    }
    alg = 'RS256';
    pub = { kty: 'RSA', n: jwk.n as string, e: jwk.e as string };
  } else {
    throw bad(`key type ${privateKey.asymmetricKeyType} is not supported (use EC P-256 or RSA)`);
  }
  const kid = jwkThumbprint(pub as { kty: string });
  const publicJwk = Object.freeze({ ...pub, kid, alg, use: 'sig' as const });
  return Object.freeze({ alg, kid, privateKey, publicKey, publicJwk });
}

/**
 * Loads every private key in `signing_key` (PEM text, or base64 of PEM text). The first key
 * signs; all are published. Throws `KEY_INVALID` (without echoing key material).
 */
export function loadSigningKeys(pem: string): readonly SigningKey[] {
  let text = pem.trim();
  if (!text.includes('-----BEGIN')) {
    text = Buffer.from(text, 'base64').toString('utf8');
  }
  const keys: SigningKey[] = [];
  for (const m of text.matchAll(BLOCK)) {
    if (!PRIVATE_LABELS.has(m[1] as string)) continue;
    let key: KeyObject;
    try {
      key = createPrivateKey(m[0]);
    } catch {
      throw bad(`PEM block ${keys.length + 1} is not a readable private key`);
    }
    keys.push(toSigningKey(key));
  }
  if (keys.length === 0) throw bad('no PEM private key found');
  return Object.freeze(keys);
}

/** `{"keys": [...]}` for `/.well-known/pomerium/jwks.json`, in the order given. */
export function buildJwks(keys: readonly SigningKey[]): { readonly keys: readonly PublicJwk[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** A fresh P-256 private key as PKCS#8 PEM (all-in-one mode without `signing_key`). */
export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}
