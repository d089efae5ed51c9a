// The command table: one registerCommand line per subcommand, each loaded only when used.
import { registerCommand } from '../main.js';

void registerCommand;
registerCommand('migrate', 'apply pending databroker (PostgreSQL) migrations', () =>
  import('./migrate.js').then((m) => m.default),
);
