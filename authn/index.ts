// The authn room: this file is its only door. It re-exports what other rooms may use.
export {
  type AuthnServer,
  type AuthnServerOptions,
  createAuthnServer,
  prepareAuthnConfig,
} from './create-authn-server.js';
export type { AuthnConfig, AuthnRoute } from './lib/authn-config.js';
export { ID_TOKEN_ALGORITHMS } from './lib/idp/open-identity-provider.js';
export { AUTHENTICATE_COOKIE } from './lib/load-session.js';
export type { RefreshOptions } from './lib/refresh/start-refresher.js';
