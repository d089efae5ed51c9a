// The authz room: this file is its only door. It re-exports what other rooms may use.
export type { AuthzServer, AuthzServerOptions, CheckTransport } from './build-authz-server.js';
export { createAuthzServer, prepareAuthzConfig } from './create-authz-server.js';
export type { DecisionSummary } from './grpc/decision-metadata.js';
export { applyHttp2ServerLimits } from './grpc/http2-server-limits.js';
export type { AuthenticateStream } from './grpc/lean-check.js';
export type { AuthzRequest, AuthzResponse, HeaderPair } from './lib/authz-types.js';
export * from './policy/index.js';
export {
  type BearerExplanation,
  type BearerSettings,
  createBearerAuthenticator,
} from './session/bearer/authenticate-bearer.js';
