// Profiles of the provider fakes (shared base: test/helpers/fake-oidc-provider.ts), each with the
// real provider's layout and quirks as its documentation gives them:
// - okta: the org authorization server (issuer https://<org>.okta.com, endpoints /oauth2/v1/*)
//   and a custom one (issuer …/oauth2/default, endpoints …/oauth2/default/v1/*) side by side;
//   `groups` in the ID token only with the `groups` scope; end_session_endpoint published.
// - auth0: issuer with a trailing slash; groups and roles only as namespaced custom claims
//   (https://portcullis.test/groups, …/roles) added by an Action; `email_verified` from the
//   connection; client_secret_post; logout at /v2/logout (not in discovery).
// - cognito: issuer https://cognito-idp.<region>.amazonaws.com/<pool id>, the hosted UI on another
//   host; `cognito:groups`; userinfo's `email_verified` a string; no end_session_endpoint, sign-out
//   at the hosted UI's /logout.
// - gitlab: `groups_direct` in the ID token, `groups` in userinfo; no end_session_endpoint.
// - apple: endpoints /auth/*, form_post callbacks with the `user` JSON on the first sign-in only,
//   `email_verified` and `is_private_email` as strings, the ES256 client-secret JWT checked.
import type { FakeProfile, FakeServer, FakeUser } from './fake-oidc-provider.js';

const NS = 'https://portcullis.test';
const ROOT: readonly FakeServer[] = [{ issuer: '', endpoints: '' }];

/**
 * Endpoint paths under one prefix from a spec: `under('/oauth', 'token jwks=discovery/keys')` is
 * `{ token: '/oauth/token', jwks: '/oauth/discovery/keys' }`.
 */
function under(prefix: string, spec: string): FakeProfile['paths'] {
  return Object.fromEntries(
    spec.split(' ').map((entry) => {
      const [name, path = name] = entry.split('=');
      return [name, `${prefix}/${path}`];
    }),
  ) as unknown as FakeProfile['paths'];
}

/** The email claims, `email_verified` as a boolean or (Apple, Cognito userinfo) a string. */
function emailOf(user: FakeUser, asString = false) {
  return {
    email: user.email,
    email_verified: asString ? String(user.emailVerified) : user.emailVerified,
  };
}

/** Email claims and the name. */
const person = (user: FakeUser) => ({ ...emailOf(user), name: user.name });

const okta: FakeProfile = {
  servers: [
    { issuer: '', endpoints: '/oauth2' },
    { issuer: '/oauth2/default', endpoints: '/oauth2/default' },
  ],
  paths: under('/v1', 'authorize token jwks=keys userinfo revoke logout'),
  publishEndSession: true,
  clientAuth: 'client_secret_basic',
  idToken: ({ user, scopes }) => ({
    ...person(user),
    ...(scopes.includes('groups') ? { groups: user.groups } : {}),
  }),
  userinfo: ({ user }) => emailOf(user),
};

const auth0: FakeProfile = {
  servers: ROOT,
  trailingSlash: true,
  paths: {
    ...under('', 'authorize userinfo logout=v2/logout'),
    ...under('/oauth', 'token revoke'),
    jwks: '/.well-known/jwks.json',
  },
  clientAuth: 'client_secret_post',
  idToken: ({ user }) => ({
    ...person(user),
    [`${NS}/groups`]: user.groups.filter((g) => !g.startsWith('role:')),
    [`${NS}/roles`]: user.groups.filter((g) => g.startsWith('role:')),
  }),
  userinfo: ({ user }) => emailOf(user),
};

const cognito: FakeProfile = {
  servers: [{ issuer: '/eu-west-1_AbCdEf123', endpoints: '/eu-west-1_AbCdEf123' }],
  hostedUi: true,
  paths: {
    ...under('/oauth2', 'authorize token userinfo=userInfo revoke'),
    jwks: '/.well-known/jwks.json',
    logout: '/logout',
  },
  clientAuth: 'client_secret_basic',
  idToken: ({ user }) => ({
    ...emailOf(user),
    'cognito:username': user.sub,
    'cognito:groups': user.groups,
    token_use: 'id',
  }),
  userinfo: ({ user }) => ({ ...emailOf(user, true), username: user.sub }),
};

const gitlab: FakeProfile = {
  servers: ROOT,
  paths: under('/oauth', 'authorize token jwks=discovery/keys userinfo revoke'),
  clientAuth: 'client_secret_basic',
  // groups_direct: direct memberships only; userinfo's groups include inherited ones
  idToken: ({ user }) => ({
    ...person(user),
    nickname: user.sub,
    groups_direct: user.groups.filter((g) => !g.includes('/')),
  }),
  userinfo: ({ user }) => ({ ...emailOf(user), groups: user.groups }),
};

const apple: FakeProfile = {
  servers: ROOT,
  paths: under('/auth', 'authorize token jwks=keys revoke'),
  clientAuth: 'apple_jwt',
  formPost: true,
  idToken: ({ user }) => ({
    ...emailOf(user, true),
    is_private_email: 'false',
    auth_time: Math.floor(Date.now() / 1000),
    nonce_supported: true,
  }),
  callbackFields: ({ user, first }): Record<string, string> => {
    if (!first) return {};
    const [firstName, ...rest] = user.name.split(' ');
    return {
      user: JSON.stringify({ name: { firstName, lastName: rest.join(' ') }, email: user.email }),
    };
  },
};

export const FAKE_PROFILES = { okta, auth0, cognito, gitlab, apple } as const;
export type FakeProfileName = keyof typeof FAKE_PROFILES;
