// The error class every Portcullis error is, and how a thrown value maps to what each edge shows:
// its code, HTTP status, gRPC status and the text a user may read (all from error-table.ts).
import { ERROR_TABLE, type ErrorCode, type GrpcStatusName } from './error-table.js';

/** Base class of every Portcullis error. `code` is stable; `message` is for people. */
export class PortcullisError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'PortcullisError';
  }
}

/** Shorthand for building (usually to throw) an error with an optional cause. */
export function portcullisError(
  code: ErrorCode,
  message: string,
  cause?: unknown,
): PortcullisError {
  return new PortcullisError(code, message, cause === undefined ? undefined : { cause });
}

/** The code of any thrown value: its own for a PortcullisError, `INTERNAL` for anything else. */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof PortcullisError && Object.hasOwn(ERROR_TABLE, err.code)
    ? err.code
    : 'INTERNAL';
}

/** The HTTP status for a thrown value (500 for anything that is not a PortcullisError). */
export function httpStatusOf(err: unknown): number {
  return ERROR_TABLE[errorCodeOf(err)].http;
}

/** The gRPC status name for a thrown value (`INTERNAL` for anything that is not a PortcullisError). */
export function grpcStatusOf(err: unknown): GrpcStatusName {
  return ERROR_TABLE[errorCodeOf(err)].grpc;
}

const FIXED_TEXT: Readonly<Record<number, string>> = {
  500: 'An internal error occurred.',
  502: 'The identity provider could not be reached; try again shortly.',
  503: 'The service is temporarily unavailable; try again shortly.',
};

/** What a user may read about a thrown value: its message when the table allows, a fixed text otherwise. */
export function userMessageOf(err: unknown): string {
  const code = errorCodeOf(err);
  const spec = ERROR_TABLE[code];
  if (spec.shown && err instanceof Error) return err.message;
  return FIXED_TEXT[spec.http] ?? 'The request could not be completed.';
}
