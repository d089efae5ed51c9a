// The least code for Apple, Auth0, Cognito and GitLab (docs/identity-providers.md), after the ID
// token passed verify-idp-jwt.ts; Okta needs none beyond its preset (the `groups` scope).
// - apple: `email_verified` / `is_private_email` are the strings "true"/"false"; the user's name
//   comes once, on the first sign-in, in the form_post field `user` (JSON, carried by the
//   browser: used for the display name only, never its email); no end-session endpoint.
// - auth0: custom claims must be namespaced (`https://example.com/groups`, `…/roles`), so without
//   a plain `groups` claim the namespaced groups and roles become the groups; sign-out at
//   /v2/logout (client_id, returnTo) unless discovery publishes an end_session_endpoint.
// - cognito: groups are `cognito:groups`; userinfo sends `email_verified` as a string; sign-out is
//   the hosted UI's /logout (client_id, logout_uri) on the authorization endpoint's host, which
//   discovery does not publish.
// - gitlab: the ID token has `groups_direct`, userinfo `groups` (which wins when present).
import type { OidcQuirks } from './oidc-quirks.js';

/** "true"/true → true; anything else (absent, "false", 1) → false. */
function truthy(v: unknown): boolean {
  return v === true || v === 'true';
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

/** The claim copied into `groups` when the token has no plain `groups` of its own. */
function withGroups(claims: Record<string, unknown>, groups: string[] | undefined) {
  if (claims.groups === undefined && groups !== undefined) claims.groups = groups;
  return claims;
}

/**
 * A provider's own logout URL on the host of its authorization endpoint (Auth0's /v2/logout,
 * Cognito's hosted UI /logout): client_id and where to come back, under the provider's name.
 */
function logoutOnAuthorizationHost(
  metadata: { readonly authorization_endpoint?: string },
  path: string,
  returnParam: string,
  args: { readonly clientId: string; readonly postLogoutRedirectUri: string },
): string | null {
  if (!metadata.authorization_endpoint) return null;
  const url = new URL(path, metadata.authorization_endpoint);
  url.searchParams.set('client_id', args.clientId);
  url.searchParams.set(returnParam, args.postLogoutRedirectUri);
  return url.toString();
}

/** At most this much of Apple's `user` field is read. */
const MAX_APPLE_USER = 4096;

/** "First Last" from Apple's first-sign-in `user` field, or undefined. */
export function appleUserName(raw: string | null | undefined): string | undefined {
  if (!raw || raw.length > MAX_APPLE_USER) return undefined;
  let user: unknown;
  try {
    user = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const name = (user as { name?: unknown } | null)?.name;
  if (typeof name !== 'object' || name === null) return undefined;
  const { firstName, lastName } = name as { firstName?: unknown; lastName?: unknown };
  const parts = [firstName, lastName].filter(
    (p): p is string => typeof p === 'string' && p.trim() !== '',
  );
  // display text only: no control characters, bounded
  const full = parts
    .join(' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 256);
  return full === '' ? undefined : full;
}

export const appleQuirks: OidcQuirks = {
  async claims(idToken, _accessToken, callback) {
    const out: Record<string, unknown> = { ...idToken };
    out.email_verified = truthy(idToken.email_verified);
    if (idToken.is_private_email !== undefined) {
      out.is_private_email = truthy(idToken.is_private_email);
    }
    const name = appleUserName(callback?.form?.get('user'));
    if (typeof out.name !== 'string' && name !== undefined) out.name = name;
    return out;
  },
  endSessionUrl: () => null,
};

const NAMESPACED = /^https?:\/\/[^/]+(?:\/[^/]+)*\/(groups|roles)$/i;

export const auth0Quirks: OidcQuirks = {
  async claims(idToken) {
    const out: Record<string, unknown> = { ...idToken };
    let found: string[] | undefined;
    for (const [k, v] of Object.entries(idToken)) {
      const list = NAMESPACED.test(k) ? stringList(v) : undefined;
      if (list) found = [...(found ?? []), ...list];
    }
    return withGroups(out, found);
  },
  endSessionUrl: (metadata, args) =>
    metadata.end_session_endpoint
      ? undefined
      : logoutOnAuthorizationHost(metadata, '/v2/logout', 'returnTo', args),
};

export const cognitoQuirks: OidcQuirks = {
  async claims(idToken) {
    return withGroups({ ...idToken }, stringList(idToken['cognito:groups']));
  },
  userinfo(info) {
    return info.email_verified === undefined
      ? info
      : { ...info, email_verified: truthy(info.email_verified) };
  },
  endSessionUrl: (metadata, args) =>
    logoutOnAuthorizationHost(metadata, '/logout', 'logout_uri', args),
};

export const gitlabQuirks: OidcQuirks = {
  async claims(idToken) {
    return withGroups({ ...idToken }, stringList(idToken.groups_direct));
  },
};
