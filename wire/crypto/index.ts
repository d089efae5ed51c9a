// Wire-level crypto shared by authn and authz, derived from the deployment's secrets:
// signed URLs, the session handle JWT, derived keys, signing keys and JWKS. (Owned by authn.)

export { ASSERTION_CLAIMS } from './assertion-claims.js';
export {
  buildSignInUrl,
  buildUserInfoUrl,
  MAX_ADDITIONAL_HOSTS,
  type SignInUrlOptions,
} from './build-sign-in-url.js';
export { computeIdpId, type IdpSettingsInput, type RouteIdpInput } from './compute-idp-id.js';
export { deriveHpkePublicKey } from './derive-hpke-key.js';
export { type DerivedKeys, decodeSecret, deriveKeys } from './derive-keys.js';
export {
  checkGrpcServiceToken,
  GRPC_TOKEN_MAX_LIFETIME_MS,
  type GrpcTokenProblem,
  signGrpcServiceToken,
} from './grpc-service-token.js';
export { openPayload, sealPayload } from './seal-payload.js';
export {
  type SessionHandleClaims,
  signSessionHandle,
  type VerifySessionHandleOptions,
  verifySessionHandle,
} from './session-handle.js';
export {
  canonicalSignedUrl,
  EXPIRY_PARAM,
  ISSUED_PARAM,
  SIGNATURE_PARAM,
  SIGNED_URL_TTL_MS,
  signUrl,
} from './sign-url.js';
export {
  buildJwks,
  generateSigningKeyPem,
  jwkThumbprint,
  loadSigningKeys,
  type PublicJwk,
  type SigningKey,
} from './signing-keys.js';
export {
  SIGNED_URL_LEEWAY_MS,
  type SignedUrlErrorCode,
  type SignedUrlResult,
  verifySignedUrl,
} from './verify-signed-url.js';
