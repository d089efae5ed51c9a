// The service JWT a gRPC caller may send in the `jwt` metadata instead of a client certificate
// (docs/pomerium-behaviour.md §6.2: HS256, the only claim is `exp`): keyed by `grpcKey`, derived
// from shared_secret, and short-lived — a token valid for more than an hour is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Longest lifetime a caller may give its token (the reference's clients use one hour). */
export const GRPC_TOKEN_MAX_LIFETIME_MS = 3_600_000;
const LEEWAY_MS = 60_000;

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** A token valid until `now + lifetimeMs` (default five minutes). */
export function signGrpcServiceToken(
  key: Uint8Array,
  opts: { readonly now?: number; readonly lifetimeMs?: number } = {},
): string {
  const exp = Math.floor(((opts.now ?? Date.now()) + (opts.lifetimeMs ?? 300_000)) / 1000);
  const input = `${HEADER}.${b64url(JSON.stringify({ exp }))}`;
  return `${input}.${b64url(createHmac('sha256', key).update(input).digest())}`;
}

export type GrpcTokenProblem = 'malformed' | 'signature' | 'expired' | 'too_long_lived';

/** Undefined when the token is good, else why not. Never throws. */
export function checkGrpcServiceToken(
  token: string,
  key: Uint8Array,
  now = Date.now(),
): GrpcTokenProblem | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 4096) return 'malformed';
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString());
    payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  } catch {
    return 'malformed';
  }
  if ((header as { alg?: unknown } | null)?.alg !== 'HS256') return 'malformed';
  const want = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const got = Buffer.from(s, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'signature';
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return 'malformed';
  const keys = Object.keys(payload);
  const exp = (payload as { exp?: unknown }).exp;
  if (keys.length !== 1 || typeof exp !== 'number' || !Number.isFinite(exp)) return 'malformed';
  if (exp * 1000 <= now - LEEWAY_MS) return 'expired';
  if (exp * 1000 > now + GRPC_TOKEN_MAX_LIFETIME_MS + LEEWAY_MS) return 'too_long_lived';
  return undefined;
}
