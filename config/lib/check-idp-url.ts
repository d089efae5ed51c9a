// A plain-http identity provider works as in Pomerium (its own docs' Keycloak harness uses
// `http://keycloak.localhost.pomerium.io:8080`): loopback silently (development), anywhere else
// with a loud insecure_setting warning at validate and start — never a 500 at the first sign-in
// (issue 15). Discovery, JWKS and the code exchange then travel in plain text.
import type { RawIssue } from './raw-issue.js';

/** localhost, *.localhost, 127.0.0.0/8 and [::1]. */
export function isLoopbackUrl(url: URL): boolean {
  const h = url.hostname;
  return (
    h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '[::1]'
  );
}

export function checkIdpUrl(idpProviderUrl: string | undefined, out: RawIssue[]): void {
  if (idpProviderUrl === undefined) return;
  const url = new URL(idpProviderUrl); // the schema checked it
  if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
    out.push({
      code: 'insecure_setting',
      path: ['idp_provider_url'],
      message:
        'the identity provider is reached over plain HTTP: discovery, keys and tokens can be read or changed on the way; use https outside development',
    });
  }
}
