// The claims every X-Pomerium-Jwt-Assertion carries (docs/pomerium-behaviour.md §4.1). A jwt_claims_headers
// entry naming one of them is not added again as an extra claim; authz signs the assertion,
// authn's /.pomerium/user shows the same payload.

/** Standard claims of the signed assertion JWT. */
export const ASSERTION_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'aud',
  'jti',
  'iat',
  'exp',
  'sub',
  'user',
  'email',
  'groups',
  'sid',
  'name',
]);
