// A row of `records` or `record_changes` read back as a StoredRecord: the sealed data opened with
// the record key and checked against its type's schema, the bigint columns as numbers.
import { assertRecordType, validateData } from '../lib/validate-record.js';
import type { StoredRecord } from '../records.js';
import { openRecordData } from './encrypt-secrets.js';

type RecordKey = Buffer;

export interface Row {
  type: string;
  id: string;
  version: string;
  data: Record<string, unknown> | null;
  modified_at: string;
  deleted_at?: string | null;
  expires_at: string | null;
}

const num = (v: string | null | undefined): number | null => (v == null ? null : Number(v));

export function decodeRow(key: RecordKey, r: Row): StoredRecord {
  assertRecordType(r.type);
  const data =
    r.data === null ? null : validateData(r.type, r.id, openRecordData(key, r.type, r.id, r.data));
  return {
    type: r.type,
    id: r.id,
    version: Number(r.version),
    data,
    modified_at: Number(r.modified_at),
    deleted_at: num(r.deleted_at),
    expires_at: num(r.expires_at),
  } as StoredRecord;
}

/** A change that cannot be read back (bad row, other key) must not stall the feed: it is
 *  delivered without data, which every consumer treats like a delete (fail closed). */
export function decodeChangeRow(key: RecordKey, r: Row): StoredRecord {
  try {
    return decodeRow(key, r);
  } catch (err) {
    if ((err as { code?: string }).code !== 'RECORD_INVALID') throw err;
    return decodeRow(key, { ...r, data: null });
  }
}
