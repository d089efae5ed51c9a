// Authenticated encryption for payloads that travel through the browser (OAuth state, the
// session handed to /.pomerium/callback/): AES-256-GCM, random 96-bit nonce, bound to a purpose.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PortcullisError } from '../../errors/index.js';

const VERSION = 1;

/**
 * Encrypts `plaintext` with AES-256-GCM; `purpose` is authenticated (associated data) so a
 * payload sealed for one use cannot be replayed in another. Output: base64url of
 * version(1) ‖ nonce(12) ‖ tag(16) ‖ ciphertext.
 */
export function sealPayload(key: Uint8Array, plaintext: string, purpose: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]).toString(
    'base64url',
  );
}

/** Opens a `sealPayload` output. Throws `PAYLOAD_INVALID` on any tampering or wrong purpose. */
export function openPayload(key: Uint8Array, sealed: string, purpose: string): string {
  if (typeof sealed !== 'string' || sealed.length > 16384 || !/^[A-Za-z0-9_-]+$/.test(sealed)) {
    throw new PortcullisError('PAYLOAD_INVALID', 'payload is malformed');
  }
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 29 || raw[0] !== VERSION) {
    throw new PortcullisError('PAYLOAD_INVALID', 'payload is malformed');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(1, 13));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(13, 29));
    return Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()]).toString('utf8');
  } catch {
    throw new PortcullisError('PAYLOAD_INVALID', 'payload does not authenticate');
  }
}
