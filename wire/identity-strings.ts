// Identity strings as both services must read them: an email is canonical (lower case, exactly
// one `@`, no whitespace or controls) or absent, and any string from an IdP is made storable
// (lone UTF-16 surrogates and NUL replaced by U+FFFD) before it reaches the databroker.

/** True when `s` has a NUL or a lone surrogate (Postgres JSONB refuses both). */
function needsRepair(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/** `s` with every NUL and lone surrogate replaced by U+FFFD; well-formed text is returned as is. */
export function storableString(s: string): string {
  if (!needsRepair(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
      out += '\ufffd';
    } else if ((c >= 0xdc00 && c <= 0xdfff) || c === 0) out += '\ufffd';
    else out += s[i]!;
  }
  return out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const UNSAFE_EMAIL = /[\s\u0000-\u001f\u007f\ufffd]/;

/**
 * The canonical form of an email address, or '' when it is not one: lower-cased (local part and
 * domain), exactly one `@` with something on both sides, no whitespace or control characters.
 * Used for the IdP's `email` claim and for `email`/`domain` policy literals alike.
 */
export function canonicalEmail(value: unknown): string {
  if (typeof value !== 'string' || value.length > 320) return '';
  const email = storableString(value).toLowerCase();
  if (UNSAFE_EMAIL.test(email)) return '';
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@') || at === email.length - 1) return '';
  return email;
}

/** The domain of a canonical email (after its one `@`), or undefined when there is none. */
export function emailDomain(email: string): string | undefined {
  const at = email.indexOf('@');
  return at < 0 || at !== email.lastIndexOf('@') ? undefined : email.slice(at + 1);
}
