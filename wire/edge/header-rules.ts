// What a header name or value in the configuration may be (README "Config the edge refuses"):
// names are RFC 9110 tokens; values carry no CR, LF or NUL (they would split or end the header
// on the wire, and Envoy then fails every request of the route); pseudo-headers, `host` and
// hop-by-hop headers cannot be set or removed (they belong to the connection, or to
// host_rewrite / preserve_host_header).

/** RFC 9110 token: header names and (RFC 6265) cookie names. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN = HTTP_TOKEN;
// biome-ignore lint/suspicious/noControlCharactersInRegex: CR, LF and NUL are what it looks for
const BREAKING = /[\r\n\u0000]/;

/** Headers of the connection, not of the request (RFC 9110 §7.6.1), plus `host`. */
export const RESERVED_HEADER_NAMES: readonly string[] = Object.freeze([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);
const RESERVED = new Set(RESERVED_HEADER_NAMES);

/** Why a configured header name cannot be used, or null. */
export function headerNameProblem(name: string): string | null {
  if (name.startsWith(':')) return `"${name}" is a pseudo-header and cannot be configured`;
  if (!TOKEN.test(name))
    return `"${name.replace(/[^\x20-\x7e]/g, '?')}" is not a valid header name`;
  if (RESERVED.has(name.toLowerCase())) {
    return `"${name}" belongs to the connection or the route's host settings and cannot be configured`;
  }
  return null;
}

/** Why a configured header value cannot be used, or null. */
export function headerValueProblem(value: string): string | null {
  return BREAKING.test(value) ? 'a header value cannot contain CR, LF or NUL' : null;
}
