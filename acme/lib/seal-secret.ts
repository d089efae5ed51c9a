// ACME private keys are stored sealed (AES-256-GCM, wire/crypto/seal-payload.ts) under a key
// derived from shared_secret with its own HKDF label, bound to the record they belong to: a
// sealed key cannot be read without the secret nor moved to another host's record.
import { hkdfSync } from 'node:crypto';
import { decodeSecret, openPayload, sealPayload } from '../../wire/index.js';

export interface SecretSealer {
  seal(plain: string, where: string): string;
  open(sealed: string, where: string): string;
}

export function createSecretSealer(sharedSecret: string): SecretSealer {
  const ikm = decodeSecret(sharedSecret, 'shared_secret');
  const key = new Uint8Array(
    hkdfSync('sha256', ikm, Buffer.from('portcullis acme v1'), Buffer.from('acme-secrets'), 32),
  );
  return {
    seal: (plain, where) => sealPayload(key, plain, `acme:${where}`),
    open: (sealed, where) => openPayload(key, sealed, `acme:${where}`),
  };
}
