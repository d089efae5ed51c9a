// forward_auth_address: the HTTP forward-auth front door (forward-auth/, docs/forward-auth.md)
// over this process's authorize service — the same decision core as its ext_authz Check.
import type { Logger } from 'pino';
import type { AuthzServer } from '../../authz/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { formatHostPort, parseListenAddress } from './listen-address.js';
import type { ServiceUnit } from './service-unit.js';

export async function startForwardAuthService(opts: {
  readonly loaded: LoadedConfig;
  readonly authz: AuthzServer;
  readonly logger: Logger;
}): Promise<ServiceUnit | null> {
  const where = opts.loaded.config.forward_auth_address;
  if (!where) return null;
  const address = parseListenAddress(where, 'forward_auth_address');
  // Loaded only when configured: a start without forward auth does not pay for its modules.
  const { createForwardAuthServer } = await import('../../forward-auth/index.js');
  const server = createForwardAuthServer({
    loaded: opts.loaded,
    authz: opts.authz,
    logger: opts.logger.child({ service: 'forward-auth' }),
  });
  const bound = await server.listen(address.port, address.host);
  return {
    name: 'forward-auth',
    addresses: { http: formatHostPort({ host: address.host, port: bound.port }) },
    prepare: (loaded) => server.prepare(loaded),
    close: () => server.close(),
  };
}
