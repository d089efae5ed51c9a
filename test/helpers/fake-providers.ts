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
import type { FakeProfile } from './fake-oidc-provider.js';

const NS = 'https://portcullis.test';

const okta: FakeProfile = {
  servers: [
    { issuer: '', endpoints: '/oauth2' },
    { issuer: '/oauth2/default', endpoints: '/oauth2/default' },
  ],
  paths: {
    authorize: '/v1/authorize',
    token: '/v1/token',
    jwks: '/v1/keys',
    userinfo: '/v1/userinfo',
    revoke: '/v1/revoke',
    logout: '/v1/logout',
  },
  publishEndSession: true,
  clientAuth: 'client_secret_basic',
  idToken: ({ user, scopes }) => ({
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    ...(scopes.includes('groups') ? { groups: user.groups } : {}),
  }),
  userinfo: ({ user }) => ({ email: user.email, email_verified: user.emailVerified }),
};

const auth0: FakeProfile = {
  servers: [{ issuer: '', endpoints: '' }],
  trailingSlash: true,
  paths: {
    authorize: '/authorize',
    token: '/oauth/token',
    jwks: '/.well-known/jwks.json',
    userinfo: '/userinfo',
    revoke: '/oauth/revoke',
    logout: '/v2/logout',
  },
  publishEndSession: false,
  clientAuth: 'client_secret_post',
  idToken: ({ user }) => ({
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    [`${NS}/groups`]: user.groups.filter((g) => !g.startsWith('role:')),
    [`${NS}/roles`]: user.groups.filter((g) => g.startsWith('role:')),
  }),
  userinfo: ({ user }) => ({ email: user.email, email_verified: user.emailVerified }),
};

const cognito: FakeProfile = {
  servers: [{ issuer: '/eu-west-1_AbCdEf123', endpoints: '/eu-west-1_AbCdEf123' }],
  hostedUi: true,
  paths: {
    authorize: '/oauth2/authorize',
    token: '/oauth2/token',
    jwks: '/.well-known/jwks.json',
    userinfo: '/oauth2/userInfo',
    revoke: '/oauth2/revoke',
    logout: '/logout',
  },
  publishEndSession: false,
  clientAuth: 'client_secret_basic',
  idToken: ({ user }) => ({
    email: user.email,
    email_verified: user.emailVerified,
    'cognito:username': user.sub,
    'cognito:groups': user.groups,
    token_use: 'id',
  }),
  userinfo: ({ user }) => ({
    email: user.email,
    email_verified: String(user.emailVerified),
    username: user.sub,
  }),
};

const gitlab: FakeProfile = {
  servers: [{ issuer: '', endpoints: '' }],
  paths: {
    authorize: '/oauth/authorize',
    token: '/oauth/token',
    jwks: '/oauth/discovery/keys',
    userinfo: '/oauth/userinfo',
    revoke: '/oauth/revoke',
  },
  publishEndSession: false,
  clientAuth: 'client_secret_basic',
  // groups_direct: direct memberships only; userinfo's groups include inherited ones
  idToken: ({ user }) => ({
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    nickname: user.sub,
    groups_direct: user.groups.filter((g) => !g.includes('/')),
  }),
  userinfo: ({ user }) => ({
    email: user.email,
    email_verified: user.emailVerified,
    groups: user.groups,
  }),
};

const apple: FakeProfile = {
  servers: [{ issuer: '', endpoints: '' }],
  paths: {
    authorize: '/auth/authorize',
    token: '/auth/token',
    jwks: '/auth/keys',
    revoke: '/auth/revoke',
  },
  publishEndSession: false,
  clientAuth: 'apple_jwt',
  formPost: true,
  idToken: ({ user }) => ({
    email: user.email,
    email_verified: String(user.emailVerified),
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
