// The ACME CA's problem documents (RFC 8555 §6.7) as Portcullis errors: `rateLimited` becomes
// ACME_RATE_LIMITED with its Retry-After, everything else (a refused identifier, a failed
// validation, an unreachable CA) ACME_ORDER_FAILED; `reason` is the metric label.
import { PortcullisError } from '../../errors/index.js';

const PREFIX = 'urn:ietf:params:acme:error:';

export class AcmeError extends PortcullisError {
  /** The problem type without its URN prefix (`rejectedIdentifier`), or `unreachable`, `timeout`, `invalid`. */
  readonly reason: string;
  /** When the CA said to come back (epoch ms), if it did. */
  readonly retryAt: number | undefined;
  constructor(reason: string, message: string, retryAt?: number, cause?: unknown) {
    super(reason === 'rateLimited' ? 'ACME_RATE_LIMITED' : 'ACME_ORDER_FAILED', message, {
      cause,
    });
    this.name = 'AcmeError';
    this.reason = reason;
    this.retryAt = retryAt;
  }
}

/** Retry-After (seconds or an HTTP date) as epoch ms, or undefined. */
export function retryAfterAt(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+$/.test(value)) return now + Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** An AcmeError from a problem document (or any non-JSON error body). */
export function problemError(
  what: string,
  status: number,
  body: Buffer,
  retryAfter: unknown,
  now: number,
): AcmeError {
  let type = `http${status}`;
  let detail = body.toString('utf8').slice(0, 200);
  try {
    const p = JSON.parse(body.toString('utf8')) as {
      type?: unknown;
      detail?: unknown;
      subproblems?: { detail?: unknown; identifier?: { value?: unknown } }[];
    };
    if (typeof p.type === 'string')
      type = p.type.startsWith(PREFIX) ? p.type.slice(PREFIX.length) : p.type;
    if (typeof p.detail === 'string') detail = p.detail;
    for (const sp of p.subproblems ?? []) {
      if (typeof sp.detail === 'string')
        detail += `; ${String(sp.identifier?.value ?? '')}: ${sp.detail}`;
    }
  } catch {
    // not a problem document: keep the text
  }
  return new AcmeError(type, `${what}: ${type}: ${detail}`, retryAfterAt(retryAfter, now));
}
