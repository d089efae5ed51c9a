// The config room: this file is its only door. It re-exports what other rooms may use.

export {
  CONFIG_ISSUE_CODES,
  CONFIG_ISSUES,
  ConfigError,
  type ConfigIssue,
  type ConfigIssueCode,
  formatConfigIssues,
  formatPath,
} from './config-error.js';
export { describeKeyStatus, type KeyStatus, type KeyStatusKind } from './describe-key-status.js';
export {
  type GrpcTransport,
  grpcTransport,
  hasServerCertificate,
  isLoopbackHost,
  listenHost,
} from './grpc-transport.js';
export { appleKeyProblem, isPemPrivateKey } from './lib/check-idp-provider.js';
export { locateNode, type Position } from './lib/locate-node.js';
export {
  ACCESS_LOG_FIELD_NAMES,
  AUTHORIZE_LOG_FIELD_NAMES,
  headerField,
} from './lib/log-fields.js';
export { resolveTracing, type TracingSettings } from './lib/otel-keys.js';
export { parseDuration } from './lib/parse-duration.js';
export {
  compileRe2Anchored,
  ENVOY_RE2_MAX_PROGRAM_SIZE,
  re2Problem,
  translateRe2,
} from './lib/re2-syntax.js';
export type { UpstreamUrl } from './lib/route-urls.js';
export { type LoadOptions, loadConfigFile } from './load-config-file.js';
export { type LoadedConfig, type ParseOptions, parseConfigText } from './parse-config-text.js';
export { MCP_DEFAULT_MAX_REQUEST_BYTES, mcpMaxRequestBytes } from './route-schema.js';
export { runsService, type ServiceName } from './runs-service.js';
export {
  type Config,
  type ConfigInput,
  configSchema,
  DEFAULT_SET_RESPONSE_HEADERS,
  fileSchema,
  type Route,
} from './schema.js';
export { type ConfigWatcher, type WatchOptions, watchConfigFile } from './watch-config-file.js';
