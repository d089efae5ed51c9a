// The shared base of the local provider fakes (test/helpers/fake-providers.ts): a real OpenID
// Connect server on loopback whose layout and quirks come from a declarative profile — where the
// authorization servers sit (Okta's org and custom servers side by side), a trailing slash on
// the issuer (Auth0), endpoints on a second host (Cognito's hosted UI), what discovery publishes
// (no end_session_endpoint), the client authentication it demands (basic, post, or Apple's ES256
// client-secret JWT, verified), form_post callbacks, and the claims per provider. Sign-in is
// approved at once for `user`; codes are one-time and bound to redirect_uri and PKCE S256.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, jwtVerify, SignJWT } from 'jose';

export interface FakeUser {
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string;
  readonly groups: readonly string[];
}

export interface ClaimContext {
  readonly user: FakeUser;
  readonly scopes: readonly string[];
  /** The user's first sign-in at this fake (Apple sends the name only then). */
  readonly first: boolean;
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'apple_jwt';

/** One authorization server: its issuer's path ('' = the origin) and its endpoints' prefix. */
export interface FakeServer {
  readonly issuer: string;
  readonly endpoints: string;
}

export interface FakeProfile {
  /** The authorization servers (Okta: the org server and a custom one); the first is the default. */
  readonly servers: readonly FakeServer[];
  /** The issuer ends with `/` (Auth0). */
  readonly trailingSlash?: boolean;
  /** Authorization, token, userinfo, revocation and logout on a second host (Cognito). */
  readonly hostedUi?: boolean;
  /** Endpoint paths after the server's endpoint prefix. */
  readonly paths: {
    readonly authorize: string;
    readonly token: string;
    readonly jwks: string;
    readonly userinfo?: string;
    readonly revoke?: string;
    /** Served, and published in discovery only when `publishEndSession`. */
    readonly logout?: string;
  };
  readonly publishEndSession?: boolean;
  readonly clientAuth: ClientAuthMethod;
  /** Callbacks by form POST (Apple). */
  readonly formPost?: boolean;
  idToken(c: ClaimContext): Record<string, unknown>;
  userinfo?(c: ClaimContext): Record<string, unknown>;
  /** More fields of a form_post callback (Apple's `user`). */
  callbackFields?(c: ClaimContext): Record<string, string>;
}

/** Apple's client-secret JWT is checked against these. */
export interface AppleClientKey {
  readonly teamId: string;
  readonly keyId: string;
  readonly publicKey: KeyObject;
}

export interface FakeProvider {
  /** The issuer of each server, in `profile.servers` order. */
  readonly issuers: readonly string[];
  /** Origin of the issuer host. */
  readonly origin: string;
  /** Origin of the hosted UI (authorization etc.), or `origin`. */
  readonly uiOrigin: string;
  readonly clientId: string;
  readonly clientSecret: string;
  user: FakeUser;
  /** Token requests: grant type and how the client authenticated (accepted or not). */
  readonly tokenRequests: { grant: string; auth: string; ok: boolean; why?: string }[];
  /** Decoded claims of every Apple client secret the fake accepted. */
  readonly appleSecrets: Record<string, unknown>[];
  /** Full URLs the logout endpoint was called with. */
  readonly logouts: string[];
  close(): Promise<void>;
}

interface Grant {
  readonly server: FakeServer;
  readonly user: FakeUser;
  readonly nonce: string;
  readonly challenge: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly first: boolean;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const c of req) body += (c as Buffer).toString();
  return body;
}

export async function startFakeProvider(
  profile: FakeProfile,
  user: FakeUser,
  options: { clientId?: string; clientSecret?: string; apple?: AppleClientKey } = {},
): Promise<FakeProvider> {
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(signing.publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, Grant>();
  const seen = new Set<string>();
  const fake: FakeProvider = {
    issuers: [],
    origin: '',
    uiOrigin: '',
    clientId: options.clientId ?? 'portcullis',
    clientSecret: options.clientSecret ?? 'fake-secret',
    user,
    tokenRequests: [],
    appleSecrets: [],
    logouts: [],
    close: async () => undefined,
  };
  const issuerOf = (server: FakeServer) =>
    `${fake.origin}${server.issuer}${profile.trailingSlash ? '/' : ''}`;
  // the hosted UI serves one user pool at its root
  const endpoint = (server: FakeServer, path: string, ui = true) =>
    ui && profile.hostedUi ? `${fake.uiOrigin}${path}` : `${fake.origin}${server.endpoints}${path}`;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  function discovery(server: FakeServer) {
    const p = profile.paths;
    return {
      issuer: issuerOf(server),
      authorization_endpoint: endpoint(server, p.authorize),
      token_endpoint: endpoint(server, p.token),
      jwks_uri: endpoint(server, p.jwks, false),
      ...(p.userinfo ? { userinfo_endpoint: endpoint(server, p.userinfo) } : {}),
      ...(p.revoke ? { revocation_endpoint: endpoint(server, p.revoke) } : {}),
      ...(p.logout && profile.publishEndSession
        ? { end_session_endpoint: endpoint(server, p.logout) }
        : {}),
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: [
        profile.clientAuth === 'client_secret_basic' ? 'client_secret_basic' : 'client_secret_post',
      ],
    };
  }

  async function idToken(g: Grant, nonce: string | null): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      ...profile.idToken({ user: g.user, scopes: g.scopes, first: g.first }),
      ...(nonce ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'fake-1', typ: 'JWT' })
      .setIssuer(issuerOf(g.server))
      .setAudience(fake.clientId)
      .setSubject(g.user.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(signing.privateKey);
  }

  /** The client's credentials as the profile demands them; why not, when refused. */
  async function authenticate(
    req: IncomingMessage,
    form: URLSearchParams,
    server: FakeServer,
  ): Promise<string | null> {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (profile.clientAuth === 'client_secret_basic') {
      if (!basic) return 'no basic credentials';
      const [id, secret] = Buffer.from(basic[1] as string, 'base64')
        .toString()
        .split(':')
        .map(decodeURIComponent);
      return id === fake.clientId && secret === fake.clientSecret ? null : 'wrong credentials';
    }
    if (basic) return 'basic credentials where post is required';
    if (form.get('client_id') !== fake.clientId) return 'wrong client_id';
    const secret = form.get('client_secret') ?? '';
    if (profile.clientAuth === 'client_secret_post') {
      return secret === fake.clientSecret ? null : 'wrong client_secret';
    }
    const key = options.apple;
    if (!key) return 'no Apple key configured';
    try {
      const { payload, protectedHeader } = await jwtVerify(secret, key.publicKey, {
        algorithms: ['ES256'],
        issuer: key.teamId,
        subject: fake.clientId,
        audience: issuerOf(server).replace(/\/$/, ''),
        requiredClaims: ['iat', 'exp'],
      });
      if (protectedHeader.kid !== key.keyId) return 'client secret kid is not the key id';
      if ((payload.exp as number) - (payload.iat as number) > 15_777_000) {
        return 'client secret lives longer than six months';
      }
      fake.appleSecrets.push(payload);
      return null;
    } catch (error) {
      return `client secret refused (${(error as { code?: string }).code ?? 'invalid'})`;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', fake.origin);
    const p = profile.paths;
    const known = Object.values(p);
    const metadataOf = profile.servers.find(
      (s) => url.pathname === `${s.issuer}/.well-known/openid-configuration`,
    );
    if (metadataOf) return json(res, 200, discovery(metadataOf));
    // the endpoint and its server (the hosted UI serves the first server at its root)
    const server =
      profile.servers.find(
        (s) =>
          url.pathname.startsWith(`${s.endpoints}/`) &&
          known.includes(url.pathname.slice(s.endpoints.length)),
      ) ?? (profile.servers[0] as FakeServer);
    const path = url.pathname.startsWith(`${server.endpoints}/`)
      ? url.pathname.slice(server.endpoints.length)
      : url.pathname;
    if (path === p.jwks) return json(res, 200, { keys: [jwk] });
    if (path === p.authorize) {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== fake.clientId || !redirectUri) {
        return json(res, 400, { error: 'invalid_client' });
      }
      if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        return json(res, 400, { error: 'invalid_request', error_description: 'PKCE S256' });
      }
      const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
      const first = !seen.has(fake.user.sub);
      seen.add(fake.user.sub);
      const code = randomBytes(16).toString('base64url');
      const grant: Grant = {
        server,
        user: fake.user,
        nonce: q.get('nonce') ?? '',
        challenge: q.get('code_challenge') ?? '',
        redirectUri,
        scopes,
        first,
      };
      codes.set(code, grant);
      const fields: Record<string, string> = { code, state: q.get('state') ?? '' };
      if (profile.formPost) {
        if (q.get('response_mode') !== 'form_post') {
          return json(res, 400, { error: 'invalid_request', error_description: 'form_post' });
        }
        Object.assign(fields, profile.callbackFields?.({ user: fake.user, scopes, first }));
        const inputs = Object.entries(fields)
          .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
          .join('');
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          `<html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}</form></body></html>`,
        );
        return;
      }
      const back = new URL(redirectUri);
      for (const [k, v] of Object.entries(fields)) back.searchParams.set(k, v);
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (path === p.token && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const grantType = form.get('grant_type') ?? '';
      const why = await authenticate(req, form, server);
      const authUsed = /^Basic /.test(req.headers.authorization ?? '')
        ? 'client_secret_basic'
        : 'client_secret_post';
      fake.tokenRequests.push({
        grant: grantType,
        auth: authUsed,
        ok: why === null,
        ...(why ? { why } : {}),
      });
      if (why) return json(res, 401, { error: 'invalid_client', error_description: why });
      let grant: Grant | undefined;
      let nonce: string | null = null;
      if (grantType === 'authorization_code') {
        const code = form.get('code') ?? '';
        grant = codes.get(code);
        codes.delete(code);
        const verifier = form.get('code_verifier') ?? '';
        if (
          !grant ||
          grant.redirectUri !== form.get('redirect_uri') ||
          createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
        ) {
          return json(res, 400, { error: 'invalid_grant' });
        }
        nonce = grant.nonce;
      } else if (grantType === 'refresh_token') {
        grant = tokens.get(form.get('refresh_token') ?? '');
        if (!grant) return json(res, 400, { error: 'invalid_grant' });
        grant = { ...grant, first: false };
      } else return json(res, 400, { error: 'unsupported_grant_type' });
      const access = randomBytes(16).toString('base64url');
      const refresh = randomBytes(16).toString('base64url');
      tokens.set(access, grant);
      tokens.set(refresh, grant);
      return json(res, 200, {
        access_token: access,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: refresh,
        id_token: await idToken(grant, nonce),
      });
    }
    if (p.userinfo && path === p.userinfo) {
      const grant = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!grant) return json(res, 401, { error: 'invalid_token' });
      const c = { user: grant.user, scopes: grant.scopes, first: false };
      return json(res, 200, { sub: grant.user.sub, ...(profile.userinfo?.(c) ?? {}) });
    }
    if (p.revoke && path === p.revoke && req.method === 'POST') {
      await readBody(req);
      res.writeHead(200).end();
      return;
    }
    if (p.logout && path === p.logout) {
      fake.logouts.push(url.toString());
      res.writeHead(200, { 'content-type': 'text/plain' }).end('signed out');
      return;
    }
    json(res, 404, { error: 'not_found' });
  }

  const listen = async () => {
    const s = createServer((req, res) => {
      handle(req, res).catch((error: Error) => {
        if (!res.headersSent) json(res, 500, { error: 'server_error', message: error.message });
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return { s, origin: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
  };
  const main = await listen();
  const ui = profile.hostedUi ? await listen() : main;
  Object.assign(fake, {
    origin: main.origin,
    uiOrigin: ui.origin,
    close: async () => {
      for (const s of new Set([main.s, ui.s])) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  });
  Object.assign(fake, { issuers: profile.servers.map(issuerOf) });
  return fake;
}
