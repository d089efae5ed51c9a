// `portcullis migrate -c FILE | --database-url URL [--schema NAME]`: applies the databroker's
// pending Postgres migrations explicitly (services also migrate when they start).
import { dirname, resolve } from 'node:path';
import { stderr, stdout } from 'node:process';
import { loadConfigFile } from '../../config/index.js';
import { type DatabrokerConfig, migrateDatabase, postgresTls } from '../../databroker/index.js';
import { errorCodeOf } from '../../errors/index.js';
import type { Command } from '../main.js';

const HELP = `Usage: portcullis migrate (-c FILE | --database-url URL) [--schema NAME]

Applies pending databroker migrations to PostgreSQL (in one transaction, safe to run while
other instances start). Exits 0 when there is nothing to migrate (schema up to date, or a
config whose databroker is not postgres).

Options:
  -c, --config FILE     configuration file (reads databroker_storage_connection_string)
  --database-url URL    PostgreSQL connection string (overrides the config)
  --schema NAME         schema holding the databroker tables (default: portcullis)
  -h, --help            show this help
`;

interface Args {
  config?: string;
  url?: string;
  schema?: string;
}

function parseArgs(args: readonly string[]): Args | string {
  const out: Args = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? a.split(/=(.*)/s, 2) : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    if (flag === '-c' || flag === '--config') out.config = value();
    else if (flag === '--database-url') out.url = value();
    else if (flag === '--schema') out.schema = value();
    else return `unknown option '${a}'`;
    if ((flag === '-c' || flag === '--config') && out.config === undefined)
      return `${flag} needs a value`;
    if (flag === '--database-url' && out.url === undefined) return `${flag} needs a value`;
    if (flag === '--schema' && out.schema === undefined) return `${flag} needs a value`;
  }
  if (out.config === undefined && out.url === undefined)
    return 'give -c FILE or --database-url URL';
  return out;
}

const command: Command = {
  summary: 'apply pending databroker (PostgreSQL) migrations',
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      stdout.write(HELP);
      return 0;
    }
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      stderr.write(`portcullis migrate: ${parsed}\n\n${HELP}`);
      return 2;
    }
    try {
      let url = parsed.url;
      let cfg: DatabrokerConfig | undefined;
      if (url === undefined) {
        // The same loader as every other command: environment overrides, `*_file` keys and
        // validation with positions.
        cfg = (await loadConfigFile(parsed.config!)).config;
        // Nothing to do is success (CLI conventions, exit 0): a deploy step may run migrate
        // whatever the storage.
        if (cfg.databroker_storage_type?.toLowerCase() !== 'postgres') {
          stdout.write(
            `${parsed.config} uses databroker_storage_type '${cfg.databroker_storage_type ?? 'memory'}': nothing to migrate (only postgres has migrations)\n`,
          );
          return 0;
        }
        url = cfg.databroker_storage_connection_string;
        if (!url) {
          stderr.write(
            `portcullis migrate: ${parsed.config} has no databroker_storage_connection_string\n`,
          );
          return 1;
        }
      }
      // TLS as the services open it (databroker_storage_ca_file… relative to the config).
      const tls =
        cfg === undefined ? undefined : postgresTls(url, cfg, dirname(resolve(parsed.config!)));
      const r = await migrateDatabase({
        connectionString: tls?.connectionString ?? url,
        ...(tls?.ssl === undefined ? {} : { ssl: tls.ssl }),
        ...(parsed.schema ? { schema: parsed.schema } : {}),
      });
      stdout.write(
        r.from === r.to
          ? `databroker schema '${r.schema}' is up to date (version ${r.to})\n`
          : `databroker schema '${r.schema}' migrated from version ${r.from} to ${r.to}\n`,
      );
      return 0;
    } catch (err) {
      stderr.write(`portcullis migrate: ${errorCodeOf(err)}: ${(err as Error).message}\n`);
      return 1;
    }
  },
};

export default command;
