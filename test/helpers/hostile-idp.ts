// A hostile identity provider double for tampering tests: a real HTTP server with discovery,
// JWKS and endpoints, whose token endpoint returns ID tokens crafted per `mode` (wrong nonce,
// alg none, HS256 keyed with its own public key, wrong audience), or an honest one.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';

export type HostileMode =
  | 'honest'
  | 'wrong-nonce'
  | 'alg-none'
  | 'hs256-public-key'
  | 'wrong-audience';

export interface HostileIdp {
  readonly issuer: string;
  mode: HostileMode;
  close(): Promise<void>;
}

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export async function startHostileIdp(clientId: string): Promise<HostileIdp> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const nonces = new Map<string, string>();
  let issuer = '';
  const idp: HostileIdp = {
    issuer: '',
    mode: 'honest',
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function idToken(nonce: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: 'mallory',
      aud: idp.mode === 'wrong-audience' ? 'someone-else' : clientId,
      iat: now,
      exp: now + 300,
      nonce: idp.mode === 'wrong-nonce' ? 'not-the-nonce' : nonce,
      email: 'mallory@example.com',
    };
    if (idp.mode === 'alg-none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    if (idp.mode === 'hs256-public-key') {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(claims)}`;
      return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    }
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        // a hostile IdP advertises weak algorithms too
        id_token_signing_alg_values_supported: ['RS256', 'HS256', 'none'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = `code-${nonces.size + 1}`;
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
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
