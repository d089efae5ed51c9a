// The envoy room: this file is its only door. It re-exports what other rooms may use.

export {
  type AttachPieces,
  type AttachResult,
  attachToEnvoy,
  buildAttachPieces,
} from './attach-to-envoy.js';
export { type AdsBootstrapOptions, buildAdsBootstrap } from './build-ads-bootstrap.js';
export { type BootstrapResult, buildBootstrap } from './build-bootstrap.js';
export { buildRouteConfig } from './build-route-config.js';
export { buildSnapshot } from './build-snapshot.js';
export { buildInternalUpstreamTls, internalServerName } from './build-upstream-tls.js';
export { checkSnapshotConsistency } from './check-snapshot-consistency.js';
export {
  createXdsServer,
  type PreparedSnapshot,
  type SnapshotEvent,
  type XdsNodeStatus,
  type XdsServer,
  type XdsServerOptions,
} from './create-xds-server.js';
export { devCertificateFor } from './dev-certificate-for.js';
export { endpointsFromConfig } from './endpoints-from-config.js';
export { envoyConfigIssues } from './envoy-config-issues.js';
export { formatEnvoyIssues } from './format-envoy-issues.js';
export {
  generateSelfSignedCertificate,
  type SelfSignedCertificate,
} from './generate-self-signed-certificate.js';
export {
  type IssuedCertificate,
  type IssueOptions,
  issueCertificate,
  issueCertificateAuthority,
} from './issue-certificates.js';
export { type AdminSettings, adminSettings, DEFAULT_NODE_ID } from './lib/bootstrap-common.js';
export {
  AUTHN_CLUSTER,
  AUTHZ_CLUSTER,
  ROUTE_CONFIG_NAME,
  routeClusterName,
  TYPE_URLS,
} from './lib/names.js';
export {
  ENVOY_INSTALL_HINT,
  type EnvoyProcess,
  type StartEnvoyOptions,
  startEnvoy,
} from './start-envoy.js';
export type {
  EnvoyBuildOptions,
  EnvoyIssue,
  EnvoyIssueCode,
  HostPort,
  NamedResource,
  Snapshot,
} from './types.js';
export {
  type EncodedSnapshot,
  type ValidationResult,
  validateSnapshot,
} from './validate-snapshot.js';
export type { XdsCallbacks } from './xds/serve-ads-stream.js';
