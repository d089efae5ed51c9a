// The development identity provider: oidc-provider on loopback with users from YAML, a plain
// username/password form (browser or script), refresh tokens (rotating), end_session, revocation.
// DEVELOPMENT ONLY: passwords are plain text in the YAML file.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors, type OidcContext } from 'oidc-provider';
import { type DevClient, type DevUser, devClientSchema, devUserSchema } from './dev-idp-config.js';
import { escapeHtml, renderLoginPage } from './render-login-page.js';

export interface DevIdpOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port?: number;
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Issuer URL (default `http://<host>:<port>`). */
  readonly issuer?: string;
  readonly users: readonly DevUser[];
  readonly clients: readonly DevClient[];
  /** Access token lifetime in seconds (default 3600). Short values exercise refresh. */
  readonly accessTokenTtl?: number;
  /** ID token lifetime in seconds (default 3600). */
  readonly idTokenTtl?: number;
  /**
   * Resource servers (RFC 8707 resource indicators): an authorization or client-credentials
   * request naming one (`resource=`) gets a JWT access token with that audience (machine access,
   * docs/machine-access.md). Without `resource` access tokens stay opaque.
   */
  readonly resources?: readonly string[];
  /** Advertise and serve RFC 7662 token introspection (default false). */
  readonly introspection?: boolean;
}

export interface DevIdp {
  /** The issuer URL (discovery at `<issuer>/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly port: number;
  /** Requests served so far by path (`/me` is userinfo, `/token/introspection` introspection). */
  readonly requests: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const { InvalidTarget } = errors;

const STANDARD_CLAIMS = new Set(['sub', 'email', 'email_verified', 'name', 'preferred_username']);

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:",
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  });
  res.end(html);
}

/**
 * Starts the development IdP. Resolves once it listens.
 * @example
 * const idp = await startDevIdp({port: 0, users: [{username: 'alice', password: 'pw',
 *   email: 'alice@example.com', groups: ['eng']}], clients: [{client_id: 'c', client_secret: 's',
 *   redirect_uris: ['https://auth.example.com/oauth2/callback']}]});
 */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const users = options.users.map((u) => devUserSchema.parse(u));
  const clients = options.clients.map((c) => devClientSchema.parse(c));
  const bySub = new Map(users.map((u) => [u.sub ?? u.username, u]));
  const host = options.host ?? '127.0.0.1';

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = options.issuer ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const customClaims = new Set<string>();
  for (const u of users) for (const k of Object.keys(u.claims)) customClaims.add(k);
  for (const k of STANDARD_CLAIMS) customClaims.delete(k);
  customClaims.delete('groups');

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'jwk',
  });

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    async findAccount(_ctx: unknown, sub: string) {
      const user = bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            ...user.claims,
            sub,
            email: user.email,
            email_verified: user.email !== undefined,
            name: user.name ?? user.username,
            preferred_username: user.username,
            groups: user.groups,
          };
        },
      };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      // groups ride along with profile so the default scopes (openid profile email) carry them
      profile: ['name', 'preferred_username', 'groups', ...customClaims],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: options.introspection === true },
      resourceIndicators: {
        enabled: true,
        // no resource named: no audience-bound token (opaque, usable at userinfo)
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx: unknown, resource: string) {
          if (!(options.resources ?? []).includes(resource)) {
            throw new InvalidTarget();
          }
          return {
            scope: 'openid profile email api',
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtl ?? 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      // Portcullis reaches end_session only from its own signed sign-out: the user already chose,
      // so the confirmation submits itself (issue 21: no extra step; the next visit asks again)
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: OidcContext, form: string) {
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head>
<body><h1>Signing you out of ${escapeHtml(ctx.host)}…</h1>${form}
<input type="hidden" form="op.logoutForm" name="logout" value="yes">
<noscript><button type="submit" form="op.logoutForm" name="logout" value="yes">Sign me out</button></noscript>
<script>document.getElementById('op.logoutForm').submit()</script></body></html>`;
        },
        async postLogoutSuccessSource(ctx: OidcContext) {
          ctx.type = 'html';
          ctx.body = '<!DOCTYPE html><html lang="en"><body><h1>Signed out</h1></body></html>';
        },
      },
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    // First-party development IdP: consent is implied, every requested scope is granted.
    async loadExistingGrant(ctx: OidcContext) {
      const { client, session, result, provider: p } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const grant =
        (grantId ? await p.Grant.find(grantId) : undefined) ??
        new p.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
      if (ctx.oidc.requestParamClaims) grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      for (const [resource, server] of Object.entries(ctx.oidc.resourceServers ?? {})) {
        grant.addResourceScope(resource, server.scope);
      }
      await grant.save();
      return grant;
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    pkce: { required: () => true },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      IdToken: options.idTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [{ ...signingKey, alg: 'RS256', use: 'sig', kid: 'dev-idp-1' }] },
  });
  const oidc = provider.callback();

  const requests = new Map<string, number>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', issuer).pathname;
    requests.set(pathname, (requests.get(pathname) ?? 0) + 1);
    void handle(req, res).catch(() => {
      if (!res.headersSent)
        send(res, 400, '<!DOCTYPE html><h1>Sign-in request expired or invalid</h1>');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
    if (!m) return oidc(req, res);
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id ?? '');
    if (details.prompt.name !== 'login') {
      // consent is implied (see loadExistingGrant)
      return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
    }
    if (!m[2] || req.method !== 'POST') {
      if (req.method !== 'GET') return send(res, 405, 'method not allowed');
      return send(res, 200, renderLoginPage(details.uid, clientId));
    }
    const form = await readForm(req);
    const name = form.get('username') ?? '';
    const user = users.find((u) => u.username === name || (u.email && u.email === name));
    if (!user || user.password !== (form.get('password') ?? '')) {
      return send(
        res,
        401,
        renderLoginPage(details.uid, clientId, 'Invalid username or password.'),
      );
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.sub ?? user.username } },
      { mergeWithLastSubmission: false },
    );
  }

  return {
    issuer,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
