// The identity provider is reached over https, or over http only on loopback for development:
// a plain-http IdP elsewhere is refused when the config loads (validate and start), never at the
// first sign-in with a 500 (issue 15). Pomerium accepts any http IdP URL; this is a deliberate
// difference (docs/migrating-from-pomerium.md): discovery, JWKS and the token exchange over plain
// HTTP can be intercepted.
import type { RawIssue } from './raw-issue.js';

/** localhost, *.localhost, 127.0.0.0/8 and [::1]: the hosts where plain http is allowed. */
export function isLoopbackUrl(url: URL): boolean {
  const h = url.hostname;
  return (
    h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '[::1]'
  );
}

export function checkIdpUrl(raw: Record<string, unknown>, out: RawIssue[]): void {
  const value = raw.idp_provider_url;
  if (typeof value !== 'string') return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return; // the schema reports it
  }
  if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
    out.push({
      code: 'invalid_url',
      path: ['idp_provider_url'],
      message:
        'the identity provider must be reached over https (http is allowed only on loopback, for development)',
    });
  }
}
