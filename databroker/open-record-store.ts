// Opens the record store the configuration names: `databroker_storage_type` memory (default)
// or postgres (needs `databroker_storage_connection_string` and `shared_secret`; TLS from the
// connection string or the databroker_storage_*_file keys, postgres/tls-options.ts).
import { PortcullisError } from '../errors/index.js';
import { createMemoryStore } from './memory-store.js';
import type { PostgresStoreOptions } from './postgres/postgres-store.js';
import { type PostgresTlsConfig, postgresTls } from './postgres/tls-options.js';
import type { RecordStore } from './record-store.js';

/** The config keys the databroker reads (the real Config satisfies this structurally). */
export interface DatabrokerConfig extends PostgresTlsConfig {
  readonly databroker_storage_type?: string | undefined;
  readonly databroker_storage_connection_string?: string | undefined;
  readonly shared_secret?: string | undefined;
}

/** The store options that do not come from the config (tests and tools set them). */
export interface OpenRecordStoreOptions
  extends Pick<
    PostgresStoreOptions,
    'schema' | 'poolSize' | 'migrate' | 'now' | 'changeRetentionMs' | 'pollMs'
  > {
  /** Folder relative databroker_storage_*_file paths are read from (the config's). */
  readonly baseDir?: string;
}

/**
 * Opens the Postgres store. The store's modules (and `pg` with them, ~30 ms of a start) are
 * loaded on the first call: a process on the memory databroker never loads them.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<RecordStore> {
  const store = await import('./postgres/postgres-store.js');
  return store.openPostgresStore(options);
}

export async function openRecordStore(
  config: DatabrokerConfig,
  options: OpenRecordStoreOptions = {},
): Promise<RecordStore> {
  const type = (config.databroker_storage_type ?? 'memory').toLowerCase();
  if (type === 'memory' || type === 'inmemory') return createMemoryStore(options);
  if (type !== 'postgres') {
    throw new PortcullisError(
      'CONFIG_INVALID',
      `databroker_storage_type '${type}' is not supported (memory or postgres)`,
    );
  }
  const connectionString = config.databroker_storage_connection_string;
  if (!connectionString) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      'databroker_storage_connection_string is required when databroker_storage_type is postgres',
    );
  }
  if (!config.shared_secret) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      'shared_secret is required with the postgres databroker (it seals IdP tokens at rest)',
    );
  }
  const tls = postgresTls(connectionString, config, options.baseDir);
  return openPostgresStore({ ...options, ...tls, sharedSecret: config.shared_secret });
}
