// The Cookie header, read the same way by authn and authz: `name=value` pairs separated by `;`
// (and `,`, which joins repeated Cookie headers), values unquoted for reading, and removal that
// leaves every other cookie exactly as the client sent it (byte for byte, separators included).

/** One cookie of a Cookie header. */
export interface CookiePair {
  readonly name: string;
  /** Trimmed, surrounding double quotes removed. */
  readonly value: string;
}

const SEPARATORS = /([;,])/;

interface Segment {
  /** The separator before this segment ('' for the first). */
  readonly sep: string;
  /** The raw text between separators. */
  readonly text: string;
  /** Cookie name, or '' when the segment is not `name=value`. */
  readonly name: string;
}

// authz parses a header and, on allow, removes our cookie from the same header: one split
let lastHeader = '';
let lastSegments: readonly Segment[] = [];

function segments(header: string): readonly Segment[] {
  if (header === lastHeader) return lastSegments;
  // split with the separators captured: text, sep, text, sep, …, text
  const parts = header.split(SEPARATORS);
  const out: Segment[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const text = parts[i] as string;
    const eq = text.indexOf('=');
    out.push({
      sep: i === 0 ? '' : (parts[i - 1] as string),
      text,
      name: eq === -1 ? '' : text.slice(0, eq).trim(),
    });
  }
  lastHeader = header;
  lastSegments = out;
  return out;
}

/** Every `name=value` of a Cookie header, in order, duplicates kept. */
export function parseCookies(header: string | undefined): CookiePair[] {
  const out: CookiePair[] = [];
  if (!header) return out;
  for (const s of segments(header)) {
    if (s.name === '') continue;
    let value = s.text.slice(s.text.indexOf('=') + 1).trim();
    if (
      value.length >= 2 &&
      value.charCodeAt(0) === 34 &&
      value.charCodeAt(value.length - 1) === 34
    )
      value = value.slice(1, -1);
    out.push({ name: s.name, value });
  }
  return out;
}

/** The values of every cookie called `name`, in order. */
export function cookieValues(cookies: readonly CookiePair[], name: string): string[] {
  const out: string[] = [];
  for (const c of cookies) if (c.name === name) out.push(c.value);
  return out;
}

/**
 * The header without the cookies called `names`; every other cookie keeps its exact bytes and
 * the separator before it (only whitespace at the new start and end of the value goes). Returns
 * null when nothing is left, and the header itself when no cookie was removed.
 */
export function removeCookies(header: string, names: ReadonlySet<string>): string | null {
  let removed = false;
  let out = '';
  let first = true;
  for (const s of segments(header)) {
    if (s.name !== '' && names.has(s.name)) {
      removed = true;
      continue;
    }
    if (first) {
      out = s.text.trimStart();
      first = false;
    } else out += s.sep + s.text;
  }
  if (!removed) return header;
  // a header value has no trailing whitespace (RFC 9110 §5.5)
  const value = out.trimEnd();
  return value === '' ? null : value;
}
