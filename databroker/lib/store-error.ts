// Databroker failures are PortcullisErrors with a databroker code; anything else that escapes a
// store call is reported as STORE_UNAVAILABLE so callers can fail closed on one code.
import { type ErrorCode, PortcullisError } from '../../config/index.js';

export function storeError(code: ErrorCode, message: string, cause?: unknown): PortcullisError {
  return new PortcullisError(code, message, cause === undefined ? undefined : { cause });
}

/** Passes PortcullisErrors through; wraps everything else as STORE_UNAVAILABLE. */
export function asStoreError(err: unknown): PortcullisError {
  if (err instanceof PortcullisError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return storeError('STORE_UNAVAILABLE', `record store unavailable: ${detail}`, err);
}
