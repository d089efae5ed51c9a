// Cookie parsing and Set-Cookie serialisation with the configured attributes (reference §3.1;
// DESIGN: SameSite=Lax by default). Values are never logged.

export interface CookieOptions {
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none' | undefined;
  readonly domain: string | undefined;
  readonly path: string;
  /** Seconds; 0 clears the cookie. */
  readonly maxAge: number;
}

/** Parses a Cookie header; the first occurrence of a name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    if (name && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

const SAFE_VALUE = /^[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]*$/;

/** One Set-Cookie header value. Throws on values that would need quoting (never produced). */
export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  if (!SAFE_VALUE.test(value)) throw new TypeError(`cookie ${name} has an unsafe value`);
  const parts = [`${name}=${value}`, `Path=${o.path}`];
  if (o.domain) parts.push(`Domain=${o.domain}`);
  parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAge))}`);
  if (o.maxAge <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (o.secure) parts.push('Secure');
  if (o.httpOnly) parts.push('HttpOnly');
  if (o.sameSite) parts.push(`SameSite=${o.sameSite[0]?.toUpperCase()}${o.sameSite.slice(1)}`);
  return parts.join('; ');
}
