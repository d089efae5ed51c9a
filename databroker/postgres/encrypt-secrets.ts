// IdP tokens never reach Postgres in clear: a session's access/refresh token and raw ID token
// are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from shared_secret, bound to the
// record's type and id so a sealed value cannot be moved to another record.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { storeError } from '../lib/store-error.js';

const PREFIX = 'enc:v1:';

export function deriveRecordKey(sharedSecret: string): Buffer {
  if (sharedSecret.length === 0)
    throw new TypeError('shared_secret is required to encrypt records');
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(sharedSecret, 'utf8'),
      'portcullis-databroker',
      'record secrets v1',
      32,
    ),
  );
}

export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

export function open(key: Buffer, sealed: string, aad: string): string {
  if (!sealed.startsWith(PREFIX)) throw storeError('RECORD_INVALID', 'stored secret is not sealed');
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
  if (raw.length < 28) throw storeError('RECORD_INVALID', 'stored secret is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([
      decipher.update(raw.subarray(12, raw.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  } catch (err) {
    throw storeError(
      'RECORD_INVALID',
      'stored secret failed authentication (wrong shared_secret?)',
      err,
    );
  }
}

type Json = Record<string, unknown>;

/** Returns a copy of a record's data with its secret fields transformed (only sessions have any). */
function mapSecrets(type: string, data: Json, fn: (value: string, field: string) => string): Json {
  if (type !== 'session') return data;
  const out: Json = { ...data };
  const oauth = data.oauth_token as Json | null | undefined;
  if (oauth && typeof oauth === 'object') {
    const o: Json = { ...oauth };
    for (const f of ['access_token', 'refresh_token'] as const) {
      if (typeof o[f] === 'string' && o[f] !== '') o[f] = fn(o[f] as string, `oauth_token.${f}`);
    }
    out.oauth_token = o;
  }
  const idt = data.id_token as Json | null | undefined;
  if (idt && typeof idt === 'object') {
    const o: Json = { ...idt };
    if (typeof o.raw === 'string' && o.raw !== '') o.raw = fn(o.raw, 'id_token.raw');
    out.id_token = o;
  }
  return out;
}

export function sealRecordData(key: Buffer, type: string, id: string, data: Json): Json {
  return mapSecrets(type, data, (v, f) => seal(key, v, `${type}/${id}/${f}`));
}

export function openRecordData(key: Buffer, type: string, id: string, data: Json): Json {
  return mapSecrets(type, data, (v, f) => open(key, v, `${type}/${id}/${f}`));
}
