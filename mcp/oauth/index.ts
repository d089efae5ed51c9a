// The MCP authorization server (docs/mcp.md): what authz and authn use of it.
export {
  AUTHORIZATION_SERVER_METADATA_PATH,
  AUTHORIZE_PATH,
  type AuthorizationServer,
  type AuthorizingUser,
  authorizationServerMetadata,
  authorize,
  MCP_OAUTH_PREFIX,
  type OAuthAnswer,
  REGISTER_PATH,
  REVOKE_PATH,
  registerClient,
  TOKEN_PATH,
} from './authorization-server.js';
export { clientDomainAllowed } from './client-domains.js';
export {
  type ClientMetadata,
  ClientMetadataError,
  type FetchClientMetadataOptions,
  fetchClientMetadata,
  publicAddress,
} from './client-id-metadata.js';
export {
  ACCESS_TOKEN_TTL_S,
  AUTHORIZE_PASS_HEADER,
  AUTHORIZE_PASS_TTL_S,
  audienceCovers,
  looksLikeMcpAccessToken,
  type McpAccessClaims,
  mcpKeysOf,
  readAccessToken,
  signMcpToken,
  verifyMcpToken,
} from './mcp-tokens.js';
export {
  createRateLimit,
  type RateLimit,
  REGISTRATION_BURST,
  REGISTRATIONS_PER_SECOND,
} from './rate-limit.js';
export { redirectUriProblem } from './redirect-uris.js';
export { exchangeToken, revokeToken } from './token-endpoint.js';
