// RFC 8555 §6.2 request signing: a flattened JWS over the payload with the nonce and URL in the
// protected header, the account key as `jwk` (new account) or `kid` (everything after), ES256
// on a P-256 key; and the external account binding (§7.3.4), HS256 over the account's JWK.
import { createHash, createHmac, type KeyObject, sign } from 'node:crypto';

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export interface Jws {
  readonly protected: string;
  readonly payload: string;
  readonly signature: string;
}

/** The public JWK of a P-256 key, members in the order RFC 7638 hashes them. */
export function publicJwk(key: KeyObject): { crv: string; kty: string; x: string; y: string } {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  return { crv: jwk.crv!, kty: jwk.kty!, x: jwk.x!, y: jwk.y! };
}

/** RFC 7638 thumbprint, the second half of every key authorization (RFC 8555 §8.1). */
export function jwkThumbprint(key: KeyObject): string {
  return b64u(
    createHash('sha256')
      .update(JSON.stringify(publicJwk(key)))
      .digest(),
  );
}

/** `payload` undefined = POST-as-GET (empty payload). */
export function signJws(
  key: KeyObject,
  header: { nonce: string; url: string; kid?: string },
  payload: unknown,
): Jws {
  const prot: Record<string, unknown> = { alg: 'ES256', nonce: header.nonce, url: header.url };
  if (header.kid !== undefined) prot.kid = header.kid;
  else prot.jwk = publicJwk(key);
  const p = b64u(JSON.stringify(prot));
  const body = payload === undefined ? '' : b64u(JSON.stringify(payload));
  const signature = sign('sha256', Buffer.from(`${p}.${body}`), {
    key,
    dsaEncoding: 'ieee-p1363',
  });
  return { protected: p, payload: body, signature: b64u(signature) };
}

/** The externalAccountBinding member of a newAccount request. */
export function signEab(
  accountKey: KeyObject,
  eab: { keyId: string; macKey: string },
  url: string,
): Jws {
  const p = b64u(JSON.stringify({ alg: 'HS256', kid: eab.keyId, url }));
  const body = b64u(JSON.stringify(publicJwk(accountKey)));
  const mac = createHmac('sha256', Buffer.from(eab.macKey, 'base64url'))
    .update(`${p}.${body}`)
    .digest();
  return { protected: p, payload: body, signature: b64u(mac) };
}
