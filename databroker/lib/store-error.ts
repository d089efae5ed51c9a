// Databroker failures are PortcullisErrors with a databroker code; anything else that escapes a
// store call is reported as STORE_UNAVAILABLE so callers can fail closed on one code.
import { PortcullisError, portcullisError } from '../../errors/index.js';

/** The databroker's short name for building an error (`throw storeError(...)`). */
export { portcullisError as storeError };

/** Passes PortcullisErrors through; wraps everything else as STORE_UNAVAILABLE. */
export function asStoreError(err: unknown): PortcullisError {
  if (err instanceof PortcullisError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return portcullisError('STORE_UNAVAILABLE', `record store unavailable: ${detail}`, err);
}
