// The command table: one registerCommand line per subcommand, each loaded only when used.
import { registerCommand } from '../main.js';

void registerCommand;
registerCommand('migrate', 'apply pending databroker (PostgreSQL) migrations', () =>
  import('./migrate.js').then((m) => m.default),
);
registerCommand(
  'validate',
  'check a configuration file and print every problem with its position',
  () => import('./validate.js').then((m) => m.default),
);
registerCommand('keys', 'generate secrets and a signing key (keys generate)', () =>
  import('./keys.js').then((m) => m.default),
);
registerCommand('start', 'run the services of a config (and Envoy) until Ctrl-C', () =>
  import('./start.js').then((m) => m.default),
);
registerCommand(
  'policy',
  'decide requests offline (policy eval) and run policy tests (policy test)',
  () => import('./policy.js').then((m) => m.default),
);
registerCommand(
  'envoy',
  'print an Envoy bootstrap generated from the configuration (envoy bootstrap)',
  () => import('./envoy.js').then((m) => m.default),
);
registerCommand(
  'token',
  'explain what an IdP bearer token would be on a route (token verify)',
  () => import('./token.js').then((m) => m.default),
);
