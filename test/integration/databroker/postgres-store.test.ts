// The Postgres backend passes the shared RecordStore conformance suite against the real server
// (DATABASE_URL), every test in a fresh schema of this file.
import { before } from 'node:test';
import { openPostgresStore } from '../../../databroker/index.js';
import { describeRecordStore } from '../../helpers/describe-record-store.js';
import {
  assertPostgresReachable,
  databaseUrl,
  dropSchema,
  testSchemaName,
} from '../../helpers/postgres.js';

const schemas: string[] = [];
before(() => assertPostgresReachable());

describeRecordStore('postgres', {
  async open(now) {
    const schema = testSchemaName('conf');
    schemas.push(schema);
    return openPostgresStore({
      connectionString: databaseUrl(),
      sharedSecret: 'test-shared-secret',
      schema,
      now,
      poolSize: 4,
      pollMs: 200,
    });
  },
  async teardown() {
    for (const s of schemas) await dropSchema(s);
  },
});
