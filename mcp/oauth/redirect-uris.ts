// Which redirect URIs an MCP client may register (docs/mcp.md, OAuth 2.1 §2.3.1 and RFC 8252):
// https anywhere; http only to a loopback host; a private-use scheme in reverse-DNS form
// (`com.example.app:/cb`). Never a fragment, never userinfo, never a scheme a browser runs
// (javascript:, data:, file:, …). The authorize step then compares by exact string.

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** A private-use scheme: reverse-DNS, so it contains a dot (RFC 8252 §7.1). */
const PRIVATE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;
const MAX_URI = 2048;

/** Why `uri` may not be a redirect URI, or null when it may. */
export function redirectUriProblem(uri: unknown): string | null {
  if (typeof uri !== 'string' || uri === '') return 'a redirect URI must be a non-empty string';
  if (uri.length > MAX_URI) return 'the redirect URI is too long';
  if (uri.includes('#')) return 'a redirect URI may not have a fragment';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\s\u0000-\u001f\u007f\\]/.test(uri)) return 'the redirect URI has forbidden characters';
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'the redirect URI is not an absolute URL';
  }
  if (u.username !== '' || u.password !== '' || /^[a-z+.-]+:\/\/[^/]*@/i.test(uri)) {
    return 'a redirect URI may not carry userinfo';
  }
  if (u.protocol === 'https:') return u.hostname === '' ? 'the redirect URI has no host' : null;
  if (u.protocol === 'http:') {
    return LOOPBACK.has(u.hostname)
      ? null
      : 'http redirect URIs are allowed only to a loopback host (127.0.0.1, [::1], localhost)';
  }
  if (PRIVATE_SCHEME.test(u.protocol)) return null;
  return `the scheme ${u.protocol} is not allowed for a redirect URI`;
}
