// The envoy room: this file is its only door. It re-exports what other rooms may use.

export {
  type AttachPieces,
  type AttachResult,
  attachToEnvoy,
  buildAttachPieces,
} from './build/attach-to-envoy.js';
export { type AdsBootstrapOptions, buildAdsBootstrap } from './build/build-ads-bootstrap.js';
export { type BootstrapResult, buildBootstrap } from './build/build-bootstrap.js';
export { buildRouteConfig } from './build/build-route-config.js';
export { buildSnapshot } from './build/build-snapshot.js';
export { buildInternalUpstreamTls, internalServerName } from './build/build-upstream-tls.js';
export { endpointsFromConfig } from './build/endpoints-from-config.js';
export { adminGet } from './lib/admin-get.js';
export { type AdminSettings, adminSettings, DEFAULT_NODE_ID } from './lib/bootstrap-common.js';
export {
  AUTHN_CLUSTER,
  AUTHZ_CLUSTER,
  ROUTE_CONFIG_NAME,
  routeClusterName,
  TYPE_URLS,
} from './lib/names.js';
export { devCertificateFor } from './run/dev-certificate-for.js';
export {
  generateSelfSignedCertificate,
  type SelfSignedCertificate,
} from './run/generate-self-signed-certificate.js';
export {
  type IssuedCertificate,
  type IssueOptions,
  issueCertificate,
  issueCertificateAuthority,
} from './run/issue-certificates.js';
export {
  ENVOY_INSTALL_HINT,
  type EnvoyProcess,
  type StartEnvoyOptions,
  startEnvoy,
} from './run/start-envoy.js';
export type {
  EnvoyBuildOptions,
  EnvoyIssue,
  EnvoyIssueCode,
  HostPort,
  NamedResource,
  Snapshot,
} from './types.js';
export { checkSnapshotConsistency } from './validate/check-snapshot-consistency.js';
export { envoyConfigIssues } from './validate/envoy-config-issues.js';
export { formatEnvoyIssues } from './validate/format-envoy-issues.js';
export {
  type EncodedSnapshot,
  type ValidationResult,
  validateSnapshot,
} from './validate/validate-snapshot.js';
export {
  createXdsServer,
  type PreparedSnapshot,
  type SnapshotEvent,
  type XdsNodeStatus,
  type XdsServer,
  type XdsServerOptions,
} from './xds/create-xds-server.js';
export type { XdsCallbacks } from './xds/serve-ads-stream.js';
