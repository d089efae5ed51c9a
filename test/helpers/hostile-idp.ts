// A hostile identity provider double for tampering tests: a real HTTP server with discovery,
// JWKS, token and (optional) userinfo endpoints, whose ID tokens are crafted per `mode` (wrong
// nonce, alg none, HS256 keyed with its own public key, wrong audience, a foreign key, an
// unknown kid, an empty signature, times in the future, …) or honest; `claims` are merged into
// every token as given (raw JSON: `__proto__` keys, lone surrogates, odd types), `rotate()`
// replaces its signing key, and `jwksFetches` counts JWKS requests.
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK } from 'jose';

export type HostileMode =
  | 'honest'
  | 'wrong-nonce'
  | 'alg-none'
  | 'hs256-public-key'
  | 'wrong-audience'
  | 'foreign-key'
  | 'unknown-kid'
  | 'empty-signature'
  | 'iat-an-hour-ahead'
  | 'nbf-in-the-future'
  | 'expired'
  | 'exp-absurd'
  | 'exp-not-a-number'
  | 'wrong-issuer'
  | 'two-audiences-no-azp'
  | 'azp-another-client'
  | 'no-sub';

export type UserinfoMode = 'none' | 'json' | 'jwt' | 'jwt-foreign-key' | 'json-other-sub';

export interface HostileIdp {
  readonly issuer: string;
  mode: HostileMode;
  userinfo: UserinfoMode;
  /** Extra claims for every ID token (and userinfo), as raw JSON text spliced in, or an object. */
  claims: string | Record<string, unknown>;
  /** The subject of the next tokens. */
  subject: string;
  readonly jwksFetches: number;
  /** A back-channel logout token for `sub` (claims override; `foreign` signs with a foreign key). */
  logoutToken(claims?: Record<string, unknown>, foreign?: boolean): Promise<string>;
  /** New signing key and kid; the JWKS then lists only the new key (or both, `keepOld`). */
  rotate(keepOld?: boolean): void;
  close(): Promise<void>;
}

function b64(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}

interface Key {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function newKey(n: number): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: `k${n}`, privateKey, publicKey };
}

export async function startHostileIdp(clientId: string): Promise<HostileIdp> {
  let keys: Key[] = [newKey(1)];
  let generation = 1;
  const foreign = newKey(99);
  const nonces = new Map<string, string>();
  let issuer = '';
  let fetches = 0;
  const idp: HostileIdp = {
    issuer: '',
    mode: 'honest',
    userinfo: 'none',
    claims: {},
    subject: 'mallory',
    get jwksFetches() {
      return fetches;
    },
    rotate(keepOld = false) {
      generation++;
      keys = keepOld ? [newKey(generation), ...keys] : [newKey(generation)];
    },
    logoutToken(claims = {}, useForeign = false) {
      const now = Math.floor(Date.now() / 1000);
      const body = {
        iss: issuer,
        aud: clientId,
        iat: now,
        jti: `logout-${now}-${Math.random()}`,
        sub: idp.subject,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        ...claims,
      };
      return sign(JSON.stringify(body), useForeign ? foreign : keys[0]!, keys[0]!.kid);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  /** The payload as JSON text: honest claims, then the extra claims spliced in verbatim. */
  function payload(base: Record<string, unknown>): string {
    const honest = JSON.stringify(base);
    const extra =
      typeof idp.claims === 'string' ? idp.claims.trim() : JSON.stringify(idp.claims).trim();
    const inner = extra.slice(1, -1).trim();
    return inner === '' ? honest : `${honest.slice(0, -1)},${inner}}`;
  }

  async function sign(text: string, key: Key, kid = key.kid): Promise<string> {
    return new CompactSign(Buffer.from(text))
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  async function idToken(nonce: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const m = idp.mode;
    const claims: Record<string, unknown> = {
      iss: m === 'wrong-issuer' ? 'https://evil.example' : issuer,
      ...(m === 'no-sub' ? {} : { sub: idp.subject }),
      aud:
        m === 'wrong-audience'
          ? 'someone-else'
          : m === 'two-audiences-no-azp' || m === 'azp-another-client'
            ? [clientId, 'someone-else']
            : clientId,
      ...(m === 'azp-another-client' ? { azp: 'someone-else' } : {}),
      iat: m === 'iat-an-hour-ahead' ? now + 3600 : m === 'expired' ? now - 7200 : now,
      ...(m === 'nbf-in-the-future' ? { nbf: now + 3600 } : {}),
      exp:
        m === 'expired'
          ? now - 3600
          : m === 'exp-absurd'
            ? 1e300
            : m === 'exp-not-a-number'
              ? `${now + 300}`
              : now + 300,
      nonce: m === 'wrong-nonce' ? 'not-the-nonce' : nonce,
      email: 'mallory@example.com',
      email_verified: true,
    };
    const text = payload(claims);
    const key = keys[0]!;
    if (m === 'alg-none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(text)}.`;
    if (m === 'hs256-public-key') {
      const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64(text)}`;
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    }
    if (m === 'foreign-key') return sign(text, foreign, key.kid);
    if (m === 'unknown-kid') return sign(text, foreign);
    if (m === 'empty-signature') {
      const [h, p] = (await sign(text, key)).split('.');
      return `${h}.${p}.`;
    }
    return sign(text, key);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        ...(idp.userinfo === 'none' ? {} : { userinfo_endpoint: `${issuer}/userinfo` }),
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        // a hostile IdP advertises weak algorithms too
        id_token_signing_alg_values_supported: ['RS256', 'HS256', 'none'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') {
      fetches++;
      void Promise.all(
        keys.map(async (k) => ({
          ...(await exportJWK(k.publicKey)),
          kid: k.kid,
          alg: 'RS256',
          use: 'sig',
        })),
      ).then((list) => json(200, { keys: list }));
      return;
    }
    if (url.pathname === '/authorize') {
      const code = `code-${nonces.size + 1}`;
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/userinfo') {
      const sub = idp.userinfo === 'json-other-sub' ? 'someone-else' : idp.subject;
      const text = payload({ sub, iss: issuer, aud: clientId });
      if (idp.userinfo === 'jwt' || idp.userinfo === 'jwt-foreign-key') {
        void sign(text, idp.userinfo === 'jwt' ? keys[0]! : foreign, keys[0]!.kid).then((jwt) => {
          res.writeHead(200, { 'content-type': 'application/jwt' });
          res.end(jwt);
        });
        return;
      }
      return json(200, text);
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const code = new URLSearchParams(body).get('code') ?? '';
        void idToken(nonces.get(code) ?? '').then((id_token) =>
          json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token }),
        );
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(idp, { issuer });
  return idp;
}
