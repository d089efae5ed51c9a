// The MCP room (docs/mcp.md): Model Context Protocol servers behind Portcullis. authz enters
// through this door only.

export { jsonRpcDenial } from './json-rpc-denial.js';
export * from './oauth/index.js';
export {
  type McpServerSettings,
  mcpServerOf,
  metadataResourcePath,
  PROTECTED_RESOURCE_PATH,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  wwwAuthenticate,
} from './protected-resource.js';
export {
  INVALID_PARAMS,
  INVALID_REQUEST,
  type JsonRpcBody,
  type JsonRpcCall,
  PARSE_ERROR,
  readJsonRpcBody,
} from './read-json-rpc.js';
export {
  type FilteredBody,
  filterToolsListBody,
  type ToolAllowed,
} from './tools-list/filter-tools-list.js';
export {
  authorizeUrl,
  pkcePair,
  readTokenResponse,
  type TokenRequest,
  tokenRequest,
  type UpstreamOAuth2,
  type UpstreamTokenSet,
  upstreamOAuth2Of,
} from './upstream/upstream-oauth2.js';
