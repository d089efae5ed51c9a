// Reusable zod pieces for config values: Go durations, case-insensitive enums, string lists,
// header maps, secrets, URLs. Each reports its problem with a config issue code in `params.code`.
import * as z from 'zod';
import { parseDuration } from './parse-duration.js';

type Ctx = z.core.$RefinementCtx;

export function fail(ctx: Ctx, code: string, message: string, path: PropertyKey[] = []): void {
  ctx.issues.push({ code: 'custom', message, input: undefined, path, params: { code } });
}

/** A Go duration (`30s`, `1h30m`) → milliseconds. A bare `0` is accepted. */
export function duration() {
  return z.union([z.string(), z.number()]).transform((v, ctx): number => {
    const ms = typeof v === 'number' ? (v === 0 ? 0 : undefined) : parseDuration(v);
    if (ms === undefined || ms < 0) {
      fail(ctx, 'invalid_duration', 'must be a duration such as "30s", "5m" or "1h30m"');
      return 0;
    }
    return ms;
  });
}

/**
 * A case-insensitive enum: accepts `value`, any case, the full proto name (`PREFIX_VALUE`) or a
 * `_suffix` match; an empty string means the first value. Output is the canonical lower value.
 */
export function ciEnum<const T extends readonly [string, ...string[]]>(
  values: T,
  opts: { prefix?: string; aliases?: Record<string, T[number]> } = {},
) {
  return z.string().transform((v, ctx): T[number] => {
    const s = v.trim().toLowerCase().replaceAll('-', '_');
    if (s === '') return values[0];
    const alias = opts.aliases?.[s];
    if (alias !== undefined) return alias;
    const prefix = opts.prefix?.toLowerCase();
    const bare = prefix !== undefined && s.startsWith(prefix) ? s.slice(prefix.length) : s;
    const hit =
      values.find((c) => c.toLowerCase() === bare) ??
      values.find((c) => bare.endsWith(`_${c.toLowerCase()}`));
    if (hit === undefined) {
      fail(ctx, 'invalid_enum', `must be one of ${values.join(', ')}`);
      return values[0];
    }
    return hit;
  });
}

/** A list of strings, also written as one comma-separated string. */
export function stringList() {
  return z.union([z.string(), z.array(z.string())]).transform((v): readonly string[] =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : v,
  );
}

/** A map of string to string (header maps, request params). Numbers/booleans become strings. */
export function stringMap() {
  return z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .transform(
      (m): Readonly<Record<string, string>> =>
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])),
    );
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 9110 token, i.e. a valid header name. */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

function claimHeader(claim: string): string {
  const title = claim
    .split(/[_\-.]/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('-');
  return `X-Pomerium-Claim-${title}`;
}

/**
 * `jwt_claims_headers` in its three forms: `"email,groups"`, `[email, groups]` (→
 * `X-Pomerium-Claim-Email`…) or a map `{X-Custom: email}`. Output: header name → claim.
 */
export function jwtClaimsHeaders() {
  return z
    .union([z.string(), z.array(z.string()), z.record(z.string(), z.string())])
    .transform((v, ctx): Readonly<Record<string, string>> => {
      const entries: [string, string][] =
        typeof v === 'string' || Array.isArray(v)
          ? (typeof v === 'string' ? v.split(',') : v)
              .map((c) => c.trim())
              .filter((c) => c !== '')
              .map((c) => [claimHeader(c), c])
          : Object.entries(v);
      for (const [h] of entries) {
        if (!isHeaderName(h)) fail(ctx, 'invalid_value', `"${h}" is not a valid header name`);
      }
      return Object.fromEntries(entries);
    });
}

/** A 32-byte base64 secret (shared_secret, cookie_secret). The value never appears in messages. */
export function secret32() {
  return z.string().transform((v, ctx): string => {
    const s = v.trim();
    const ok = /^[A-Za-z0-9+/_-]+={0,2}$/.test(s) && Buffer.from(s, 'base64').length === 32;
    if (!ok) fail(ctx, 'invalid_secret', 'must be the base64 encoding of 32 random bytes');
    return s;
  });
}

/** A PEM private key (or several), also accepted base64-wrapped; output is the PEM text. */
export function pemKey() {
  return z.string().transform((v, ctx): string => {
    const pem = v.includes('-----BEGIN') ? v : Buffer.from(v.trim(), 'base64').toString('utf8');
    if (!/-----BEGIN (EC |RSA )?PRIVATE KEY-----/.test(pem)) {
      fail(ctx, 'invalid_secret', 'must be a PEM private key (or its base64 encoding)');
    }
    return pem;
  });
}

/** An absolute http(s) URL. */
export function httpUrl() {
  return z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'must be an absolute http:// or https:// URL', params: { code: 'invalid_url' } },
  );
}
