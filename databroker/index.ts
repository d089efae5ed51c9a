// The databroker room: this file is its only door. It re-exports what other rooms may use.

export type { AcmeAccount, AcmeCertificate, AcmeChallenge } from './acme-records.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory-store.js';
export {
  type DatabrokerConfig,
  type OpenRecordStoreOptions,
  openPostgresStore,
  openRecordStore,
} from './open-record-store.js';
export { migrate, migrateDatabase, migrations } from './postgres/migrations.js';
export type { PostgresStoreOptions } from './postgres/postgres-store.js';
export { type PostgresTlsConfig, postgresTls } from './postgres/tls-options.js';
export {
  openRecordCache,
  type RecordCache,
  type RecordCacheMetrics,
  type RecordCacheOptions,
} from './record-cache.js';
export type {
  ChangeBatch,
  ChangeListener,
  DataOf,
  Lease,
  RecordPage,
  RecordStore,
  Subscription,
} from './record-store.js';
export {
  type Claims,
  type Group,
  groupSchema,
  type IdToken,
  idTokenSchema,
  isRecordType,
  type McpClient,
  type McpCode,
  type McpGrant,
  type McpUpstreamToken,
  type OAuthToken,
  oauthTokenSchema,
  RECORD_TYPES,
  type RecordChange,
  type RecordInput,
  type RecordKinds,
  type RecordType,
  recordSchemas,
  type Session,
  type StoredRecord,
  sessionSchema,
  type User,
  userSchema,
} from './records.js';
export { type Sweeper, type SweeperOptions, startSweeper } from './start-sweeper.js';
