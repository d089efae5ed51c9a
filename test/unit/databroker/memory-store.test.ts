// The in-memory backend passes the shared RecordStore conformance suite.
import { createMemoryStore } from '../../../databroker/index.js';
import { describeRecordStore } from '../../helpers/describe-record-store.js';

describeRecordStore('memory', {
  async open(now) {
    return createMemoryStore({ now, pollMs: 200 });
  },
});
