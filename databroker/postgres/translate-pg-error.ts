// The ONE place that knows `pg` errors: SQLSTATE codes and socket failures become typed
// PortcullisErrors (RECORD_CONFLICT, RETRYABLE, STORE_UNAVAILABLE, RECORD_INVALID).
import { PortcullisError } from '../../errors/index.js';
import { storeError } from '../lib/store-error.js';

const byCode: Record<string, 'RECORD_CONFLICT' | 'RETRYABLE' | 'RECORD_INVALID'> = {
  '23505': 'RECORD_CONFLICT', // unique_violation
  '40001': 'RETRYABLE', // serialization_failure
  '40P01': 'RETRYABLE', // deadlock_detected
  '55P03': 'RETRYABLE', // lock_not_available
  '57014': 'RETRYABLE', // query_canceled (statement timeout)
  '22P02': 'RECORD_INVALID', // invalid_text_representation
  '22021': 'RECORD_INVALID', // character_not_in_repertoire (e.g. NUL in text)
  '22P05': 'RECORD_INVALID', // untranslatable_character (\u0000 in jsonb)
  '54000': 'RECORD_INVALID', // program_limit_exceeded (value too large to index)
};

export function translatePgError(err: unknown): PortcullisError {
  if (err instanceof PortcullisError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string') {
    const mapped = byCode[code];
    if (mapped !== undefined) return storeError(mapped, `record store: ${message}`, err);
  }
  // Class 08 (connection), 57P0x (shutdown), 53 (resources), node socket errors, pool timeouts.
  return storeError('STORE_UNAVAILABLE', `record store unavailable: ${message}`, err);
}
