// The authz door's constructor (docs/architecture.md): the Check server running the policy engine's
// compiled route policies.

import type { LoadedConfig } from '../config/index.js';
import { generateSigningKeyPem, loadSigningKeys, type SigningKey } from '../wire/index.js';
import {
  type AuthzServer,
  type AuthzServerOptions,
  buildAuthzServer,
} from './build-authz-server.js';
import { buildAuthzState } from './lib/authz-state.js';
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

/**
 * The prepare phase of authorize without a server (what `portcullis validate` runs): builds the
 * state a reload would swap in. Throws `CONFIG_INVALID` (or a ConfigError) like a reload would.
 */
export function prepareAuthzConfig(loaded: LoadedConfig): void {
  let keys: readonly SigningKey[] | null = null;
  buildAuthzState(loaded, {
    compile: compileRoutePolicies,
    fallbackSigningKeys: () => {
      keys ??= loadSigningKeys(generateSigningKeyPem());
      return keys;
    },
    generation: 1,
  });
}
