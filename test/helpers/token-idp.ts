// An identity provider double that issues bearer tokens directly (for machine-access tests):
// a real HTTP server with discovery, JWKS, userinfo and (switchable) RFC 7662 introspection.
// `jwt()` signs any claims with its key — or hostile variants: `alg: none`, HS256 keyed with its
// own public key, a foreign key, a kid it never published; `opaque()` mints an opaque token it
// will vouch for. It counts userinfo and introspection calls.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';

export type TokenHostility =
  | 'honest'
  | 'alg-none'
  | 'hs256-public-key'
  | 'foreign-key'
  | 'unknown-kid';

export interface TokenIdp {
  readonly issuer: string;
  /** Advertise `introspection_endpoint` in discovery (read once by authz: set before use). */
  introspection: boolean;
  readonly userinfoCalls: number;
  readonly introspectionCalls: number;
  jwt(claims: Record<string, unknown>, hostility?: TokenHostility, typ?: string): Promise<string>;
  /** An opaque token the IdP vouches for with these claims until `exp` (s). */
  opaque(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export async function startTokenIdp(): Promise<TokenIdp> {
  const own = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(own.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const opaque = new Map<string, Record<string, unknown>>();
  let userinfoCalls = 0;
  let introspectionCalls = 0;
  let issuer = '';
  const state = { introspection: false };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/me`,
        ...(state.introspection ? { introspection_endpoint: `${issuer}/introspect` } : {}),
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/me') {
      userinfoCalls++;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const claims = opaque.get(token);
      if (!claims) return json(401, { error: 'invalid_token' });
      return json(200, claims);
    }
    if (url.pathname === '/introspect' && req.method === 'POST') {
      introspectionCalls++;
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        const claims = opaque.get(token);
        json(200, claims ? { active: true, iss: issuer, ...claims } : { active: false });
      });
      return;
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    get introspection() {
      return state.introspection;
    },
    set introspection(v: boolean) {
      state.introspection = v;
    },
    get userinfoCalls() {
      return userinfoCalls;
    },
    get introspectionCalls() {
      return introspectionCalls;
    },
    async jwt(claims, hostility = 'honest', typ = 'JWT') {
      const now = Math.floor(Date.now() / 1000);
      const full = { iss: issuer, iat: now, exp: now + 600, ...claims };
      if (hostility === 'alg-none') return `${b64({ alg: 'none', typ })}.${b64(full)}.`;
      if (hostility === 'hs256-public-key') {
        const secret = own.publicKey.export({ type: 'spki', format: 'pem' });
        return new SignJWT(full)
          .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ })
          .sign(new Uint8Array(Buffer.from(secret)));
      }
      const key = hostility === 'foreign-key' ? foreign.privateKey : own.privateKey;
      const kid = hostility === 'unknown-kid' ? 'k-never-published' : 'k1';
      return new SignJWT(full).setProtectedHeader({ alg: 'RS256', kid, typ }).sign(key);
    },
    opaque(claims) {
      const token = randomBytes(24).toString('base64url');
      opaque.set(token, claims);
      return token;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
