// No open redirects: a redirect target must be an absolute http(s) URL without credentials,
// backslashes, control characters or whitespace, whose host the caller allows.
import { fail } from './authn-error.js';

/** True when `s` has a control character, whitespace, DEL or a backslash. */
function hasUnsafeChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/**
 * Parses `raw` as a redirect target; throws `AUTHN_REDIRECT_INVALID` unless it is
 * `http(s)://host/...` and `allow(url)` is true. Refuses `//evil`, `/\evil`, `https:evil`,
 * `https://route.host@evil`, relative paths and other schemes.
 */
export function checkRedirectTarget(raw: string | null, allow: (url: URL) => boolean): URL {
  if (!raw || raw.length > 4096 || hasUnsafeChar(raw) || !/^https?:\/\/[^/]/i.test(raw)) {
    throw fail('AUTHN_REDIRECT_INVALID', 'redirect target is not allowed');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail('AUTHN_REDIRECT_INVALID', 'redirect target is not a URL');
  }
  if (url.username || url.password || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw fail('AUTHN_REDIRECT_INVALID', 'redirect target is not allowed');
  }
  if (!allow(url)) throw fail('AUTHN_REDIRECT_INVALID', 'redirect target host is not allowed');
  return url;
}

/** `programmatic_redirect_domain_whitelist` match: `localhost` also covers loopback IPs. */
export function isWhitelistedProgrammaticHost(url: URL, whitelist: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
  return whitelist.some((entry) => {
    const e = entry.toLowerCase();
    return e === host || (e === 'localhost' && loopback);
  });
}
