// Headers on every response Portcullis itself generates (sign-in redirect, 400/401/403/404/495/
// 503 from authz): no MIME sniffing, no Referer leaking the URL (it may hold a signed link), and
// never rendered in a frame (X-Frame-Options for old browsers, CSP frame-ancestors for the rest).
export const SECURITY_RESPONSE_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['x-frame-options', 'DENY'],
  ['content-security-policy', "frame-ancestors 'none'"],
] as const);
