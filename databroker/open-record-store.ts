// Opens the record store the configuration names: `databroker_storage_type` memory (default)
// or postgres (needs `databroker_storage_connection_string` and `shared_secret`).
import { PortcullisError } from '../config/index.js';
import { createMemoryStore } from './memory-store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import type { RecordStore } from './record-store.js';

/** The config keys the databroker reads (the real Config satisfies this structurally). */
export interface DatabrokerConfig {
  readonly databroker_storage_type?: string | undefined;
  readonly databroker_storage_connection_string?: string | undefined;
  readonly shared_secret?: string | undefined;
}

export interface OpenRecordStoreOptions {
  /** Postgres schema (default `portcullis`). */
  readonly schema?: string;
  readonly poolSize?: number;
  /** Apply migrations on open (default true). */
  readonly migrate?: boolean;
  readonly now?: () => number;
  readonly changeRetentionMs?: number;
  readonly pollMs?: number;
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
  return openPostgresStore({ ...options, connectionString, sharedSecret: config.shared_secret });
}
