// Record data is checked against its kind's schema on the way in and on the way out; a record
// of an unknown type or with malformed data is refused with RECORD_INVALID.
import { isRecordType, type RecordKinds, type RecordType, recordSchemas } from '../records.js';
import { storeError } from './store-error.js';

export function assertRecordType(type: string): asserts type is RecordType {
  if (!isRecordType(type)) throw storeError('RECORD_INVALID', `unknown record type '${type}'`);
}

/** True for an id a record can have: a non-empty string of at most 512 characters, no NUL. */
export function isRecordId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 512 && !id.includes('\u0000');
}

export function assertRecordId(id: unknown): asserts id is string {
  if (!isRecordId(id)) {
    throw storeError(
      'RECORD_INVALID',
      'record id must be a non-empty string of at most 512 characters without NUL',
    );
  }
}

/** Parses `data` as a record of `type`; the data's own `id` must equal the record id. */
export function validateData<T extends RecordType>(
  type: T,
  id: string,
  data: unknown,
): RecordKinds[T] {
  assertRecordType(type);
  const result = recordSchemas[type].safeParse(data);
  if (!result.success) {
    const first = result.error.issues[0];
    const where =
      first === undefined ? '' : ` at ${first.path.join('.') || '(root)'}: ${first.message}`;
    throw storeError('RECORD_INVALID', `invalid ${type} record '${id}'${where}`);
  }
  if (result.data.id !== id) {
    throw storeError('RECORD_INVALID', `${type} record id '${id}' differs from data.id`);
  }
  return result.data as RecordKinds[T];
}

/** The record's TTL: the explicit one, else a session's own expiry, else none. */
export function defaultExpiry(
  type: RecordType,
  data: unknown,
  explicit: number | null | undefined,
): number | null {
  if (explicit !== undefined) return explicit;
  if (type === 'session') {
    const exp = (data as { expires_at?: number }).expires_at;
    if (typeof exp === 'number' && exp > 0) return exp;
  }
  return null;
}

export function clampLimit(limit: number | undefined, dflt: number, max: number): number {
  if (limit === undefined) return dflt;
  if (!Number.isInteger(limit) || limit < 1)
    throw new TypeError('limit must be a positive integer');
  return Math.min(limit, max);
}
