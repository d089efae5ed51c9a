// The token side of the MCP authorization server (authorization-server.ts, docs/mcp.md): the
// token endpoint redeems a code once (PKCE S256, same client, redirect URI and resource; a replayed
// code revokes what it was redeemed for) and rotates refresh tokens (a rotated one used again
// revokes the grant); access tokens live ACCESS_TOKEN_TTL_S and never past the session; RFC 7009
// revocation ends a grant.
import { createHash } from 'node:crypto';
import type { McpGrant } from '../../databroker/index.js';
import {
  type AuthorizationServer,
  invalidGrant,
  invalidRequest,
  type OAuthAnswer,
  oauthError,
  single,
} from './authorization-server.js';
import {
  ACCESS_TOKEN_TTL_S,
  hashSecret,
  type McpAccessClaims,
  randomSecret,
  readAccessToken,
  signMcpToken,
} from './mcp-tokens.js';

/** RFC 7636 §4.1 code verifier: 43–128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const s256 = (verifier: string): string =>
  createHash('sha256').update(verifier).digest('base64url');
async function liveSession(as: AuthorizationServer, id: string, userId: string) {
  const s = (await as.store.get('session', id))?.data;
  if (s == null || s.user_id !== userId || (s.expires_at !== 0 && s.expires_at <= as.now)) {
    return null;
  }
  return s;
}

function issue(as: AuthorizationServer, grant: McpGrant, refreshSecret: string): OAuthAnswer {
  const iat = Math.floor(as.now / 1000);
  const exp = Math.min(iat + ACCESS_TOKEN_TTL_S, Math.floor(grant.expires_at / 1000));
  const claims: McpAccessClaims = {
    iss: as.issuer,
    aud: grant.resource,
    sub: grant.user_id,
    sid: grant.session_id,
    gid: grant.id,
    idp_id: grant.idp_id,
    client_id: grant.client_id,
    iat,
    exp,
    jti: randomSecret(12),
  };
  return {
    status: 200,
    body: {
      access_token: signMcpToken('access', { ...claims }, as.accessKey),
      token_type: 'Bearer',
      expires_in: Math.max(0, exp - iat),
      refresh_token: `${grant.id}.${refreshSecret}`,
    },
  };
}

async function revokeGrant(as: AuthorizationServer, id: string): Promise<void> {
  await as.store.delete('mcp_grant', id);
}

async function redeemCode(as: AuthorizationServer, f: URLSearchParams): Promise<OAuthAnswer> {
  const code = single(f, 'code');
  const clientId = single(f, 'client_id');
  const redirectUri = single(f, 'redirect_uri');
  const verifier = single(f, 'code_verifier');
  for (const [k, v] of [
    ['code', code],
    ['client_id', clientId],
    ['redirect_uri', redirectUri],
  ] as const) {
    if (v === null || v === 'repeated') return invalidRequest(`${k} is required (once)`);
  }
  if (verifier === null || verifier === 'repeated') {
    return invalidRequest('code_verifier is required (PKCE)');
  }
  const stored = await as.store.get('mcp_code', hashSecret(code!));
  const c = stored?.data;
  if (stored == null || c == null || c.expires_at <= as.now) {
    return invalidGrant('the code is unknown or expired');
  }
  if (c.grant_id !== '') {
    // a replayed code: whatever it was redeemed for is revoked (OAuth 2.1 §4.1.3)
    if (c.grant_id !== '-') await revokeGrant(as, c.grant_id);
    return invalidGrant('the code was already used: the tokens issued for it are revoked');
  }
  const fail = async (answer: OAuthAnswer): Promise<OAuthAnswer> => {
    // one attempt per code: a failed redemption burns it
    await as.store
      .put([
        {
          type: 'mcp_code',
          id: c.id,
          data: { ...c, grant_id: '-' },
          expires_at: c.expires_at,
          expected_version: stored.version,
        },
      ])
      .catch(() => undefined);
    return answer;
  };
  if (c.client_id !== clientId) return fail(invalidGrant('the code was issued to another client'));
  if (c.redirect_uri !== redirectUri) return fail(invalidGrant('redirect_uri does not match'));
  if (!VERIFIER.test(verifier) || s256(verifier) !== c.code_challenge) {
    return fail(invalidGrant('the code_verifier does not match the code_challenge'));
  }
  const resource = f.getAll('resource');
  if (resource.length > 1 || (resource.length === 1 && resource[0] !== c.resource)) {
    return fail(oauthError(400, 'invalid_target', 'the resource is not the one authorized'));
  }
  const session = await liveSession(as, c.session_id, c.user_id);
  if (session === null) return fail(invalidGrant('the session that authorized the code ended'));
  const refreshSecret = randomSecret();
  const grant: McpGrant = {
    id: `g${randomSecret(18)}`,
    client_id: c.client_id,
    resource: c.resource,
    session_id: c.session_id,
    user_id: c.user_id,
    idp_id: c.idp_id,
    refresh_hash: hashSecret(refreshSecret),
    issued_at: as.now,
    expires_at: session.expires_at === 0 ? as.now + 86_400_000 : session.expires_at,
  };
  try {
    await as.store.put([
      {
        type: 'mcp_code',
        id: c.id,
        data: { ...c, grant_id: grant.id },
        expires_at: c.expires_at,
        expected_version: stored.version,
      },
      { type: 'mcp_grant', id: grant.id, data: grant, expires_at: grant.expires_at },
    ]);
  } catch {
    return invalidGrant('the code was already used');
  }
  return issue(as, grant, refreshSecret);
}

async function refresh(as: AuthorizationServer, f: URLSearchParams): Promise<OAuthAnswer> {
  const token = single(f, 'refresh_token');
  const clientId = single(f, 'client_id');
  if (token === null || token === 'repeated') return invalidRequest('refresh_token is required');
  if (clientId === null || clientId === 'repeated') return invalidRequest('client_id is required');
  const dot = token.indexOf('.');
  const gid = dot > 0 ? token.slice(0, dot) : '';
  if (gid === '' || gid.length > 64) return invalidGrant('the refresh token is unknown');
  const stored = await as.store.get('mcp_grant', gid);
  const g = stored?.data;
  if (stored == null || g == null || g.expires_at <= as.now) {
    return invalidGrant('the refresh token is unknown or revoked');
  }
  if (g.client_id !== clientId) return invalidGrant('the refresh token is another client’s');
  if (hashSecret(token.slice(dot + 1)) !== g.refresh_hash) {
    // a rotated refresh token used again: someone holds a copy; end the whole family
    await revokeGrant(as, g.id);
    return invalidGrant('the refresh token was already used: the grant is revoked');
  }
  const resource = f.getAll('resource');
  if (resource.length > 1 || (resource.length === 1 && resource[0] !== g.resource)) {
    return oauthError(400, 'invalid_target', 'the resource is not the one authorized');
  }
  if ((await liveSession(as, g.session_id, g.user_id)) === null) {
    await revokeGrant(as, g.id);
    return invalidGrant('the session behind the grant ended');
  }
  const secret = randomSecret();
  const next: McpGrant = { ...g, refresh_hash: hashSecret(secret) };
  try {
    await as.store.put([
      {
        type: 'mcp_grant',
        id: g.id,
        data: next,
        expires_at: g.expires_at,
        expected_version: stored.version,
      },
    ]);
  } catch {
    // two refreshes with one token at once: as good as a reuse
    await revokeGrant(as, g.id);
    return invalidGrant('the refresh token was used twice at once: the grant is revoked');
  }
  return issue(as, next, secret);
}

/** The token endpoint (form body already read). */
export async function exchangeToken(
  as: AuthorizationServer,
  form: URLSearchParams,
): Promise<OAuthAnswer> {
  const type = single(form, 'grant_type');
  if (type === 'authorization_code') return redeemCode(as, form);
  if (type === 'refresh_token') return refresh(as, form);
  return oauthError(
    400,
    'unsupported_grant_type',
    'grant_type must be authorization_code or refresh_token',
  );
}

/** RFC 7009: revokes the grant of a refresh or access token of this client; always 200. */
export async function revokeToken(
  as: AuthorizationServer,
  form: URLSearchParams,
): Promise<OAuthAnswer> {
  const token = single(form, 'token');
  const clientId = single(form, 'client_id');
  if (token === null || token === 'repeated') return invalidRequest('token is required');
  const access = readAccessToken(token, as.accessKey, as.now);
  const gid = access !== null ? access.gid : token.slice(0, Math.max(0, token.indexOf('.')));
  if (gid !== '' && gid.length <= 64) {
    const g = (await as.store.get('mcp_grant', gid))?.data;
    const owned =
      g != null &&
      g.client_id === clientId &&
      (access !== null || hashSecret(token.slice(gid.length + 1)) === g.refresh_hash);
    if (owned) await revokeGrant(as, gid);
  }
  return { status: 200, body: {} };
}
