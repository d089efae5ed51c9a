// The authz door's constructor (brief §4): the Check server running the policy engine's
// compiled route policies.
import {
  type AuthzServer,
  type AuthzServerOptions,
  buildAuthzServer,
} from './build-authz-server.js';
import { compileRoutePolicies } from './policy/index.js';

/**
 * Creates the ext_authz server for a loaded config. Throws `CONFIG_INVALID` for a config it
 * cannot serve (policy compile errors, unreadable client CA, no shared_secret).
 * @example
 * const authz = createAuthzServer({loaded, store, logger});
 * const port = await authz.listen(0);
 */
export function createAuthzServer(options: AuthzServerOptions): AuthzServer {
  return buildAuthzServer({ ...options, compile: compileRoutePolicies });
}
