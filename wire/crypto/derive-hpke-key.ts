// The HPKE key pair Pomerium derives from its shared secret and publishes at
// /.well-known/pomerium/hpke-public-key (docs/pomerium-behaviour.md §5): DHKEM(X25519,
// HKDF-SHA256). The seed is the decoded shared secret; HKDF-Extract (no salt) then HKDF-Expand
// with info "pomerium/hpke" gives 32 bytes of input keying material, and RFC 9180 §7.1.3
// DeriveKeyPair turns it into the X25519 key pair.
import { createHmac, createPrivateKey, createPublicKey } from 'node:crypto';

const KEM_SUITE_ID = Buffer.from([0x4b, 0x45, 0x4d, 0x00, 0x20]); // "KEM" || I2OSP(0x0020, 2)
const HPKE_V1 = Buffer.from('HPKE-v1');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

const extract = (salt: Buffer, ikm: Buffer): Buffer =>
  createHmac('sha256', salt.length === 0 ? Buffer.alloc(32) : salt)
    .update(ikm)
    .digest();

/** HKDF-Expand for up to one SHA-256 block (L ≤ 32), all this file needs. */
const expand = (prk: Buffer, info: Buffer, length: number): Buffer =>
  createHmac('sha256', prk)
    .update(Buffer.concat([info, Buffer.from([1])]))
    .digest()
    .subarray(0, length);

/** RFC 9180 DeriveKeyPair for DHKEM(X25519, HKDF-SHA256): the raw 32-byte private key. */
export function deriveX25519PrivateKey(ikm: Uint8Array): Buffer {
  const prk = extract(
    Buffer.alloc(0),
    Buffer.concat([HPKE_V1, KEM_SUITE_ID, Buffer.from('dkp_prk'), Buffer.from(ikm)]),
  );
  const info = Buffer.concat([Buffer.from([0, 32]), HPKE_V1, KEM_SUITE_ID, Buffer.from('sk')]);
  return expand(prk, info, 32);
}

/** The raw 32-byte X25519 public key of a raw private key. */
export function x25519PublicKey(privateKey: Uint8Array): Buffer {
  const key = createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, Buffer.from(privateKey)]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url');
}

/** Pomerium's HPKE public key for a shared secret (the decoded bytes of `shared_secret`). */
export function deriveHpkePublicKey(sharedSecret: Uint8Array): Buffer {
  const seed = expand(
    extract(Buffer.alloc(0), Buffer.from(sharedSecret)),
    Buffer.from('pomerium/hpke'),
    32,
  );
  return x25519PublicKey(deriveX25519PrivateKey(seed));
}
