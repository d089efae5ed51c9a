// The cli room: this file is its only door. It re-exports what other rooms may use.
export { createLogger } from './lib/create-logger.js';
export { ENVOY_INSTALL_HINT, findEnvoyBinary } from './lib/find-envoy-binary.js';
export { formatLogLine } from './lib/pretty-log-stream.js';
