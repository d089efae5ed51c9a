// The development identity provider, importable by tests and the quickstart.
export {
  type DevClient,
  type DevIdpFile,
  type DevUser,
  loadDevIdpFile,
} from './dev-idp-config.js';
export { type DevIdp, type DevIdpOptions, startDevIdp } from './start-dev-idp.js';
