// The signed sign-in URL authz sends a browser to (docs/pomerium-behaviour.md §3.3 step 2, §3.7, §3.8):
// https://<authenticate>/.pomerium/sign_in?pomerium_redirect_uri=…&pomerium_idp_id=…[&…], signed.
import { signUrl } from './sign-url.js';

/** At most this many `depends_on` hosts ride along (docs/pomerium-behaviour.md §3.8). */
export const MAX_ADDITIONAL_HOSTS = 5;

export interface SignInUrlOptions {
  /** `authenticate_service_url`, e.g. `https://auth.example.com`. Its path is replaced. */
  readonly authenticateUrl: string | URL;
  /** The original URL (authz: scheme forced to https, default port dropped). */
  readonly redirectUri: string | URL;
  /** Identity provider id of the route. */
  readonly idpId: string;
  /** The route's `depends_on` hosts (≤ 5; extra ones are dropped). */
  readonly additionalHosts?: readonly string[];
  /** Programmatic login: the route host's `/.pomerium/callback/` URL. */
  readonly callbackUri?: string | URL;
  /** Programmatic login: the callback appends `pomerium_jwt` to the redirect URI. */
  readonly programmatic?: boolean;
  /** `deriveKeys(shared_secret).urlKey`. */
  readonly key: Uint8Array;
  /** Epoch ms (default `Date.now()`). */
  readonly now?: number;
}

/**
 * Builds the signed `/.pomerium/sign_in` URL.
 * @example
 * buildSignInUrl({authenticateUrl: 'https://auth.example.com', redirectUri: 'https://app.example.com/a?x=1',
 *   idpId, additionalHosts: route.depends_on, key: keys.urlKey})
 */
export function buildSignInUrl(options: SignInUrlOptions): string {
  const url = new URL('/.pomerium/sign_in', String(options.authenticateUrl));
  const q = url.searchParams;
  q.set('pomerium_redirect_uri', String(options.redirectUri));
  q.set('pomerium_idp_id', options.idpId);
  const hosts = (options.additionalHosts ?? []).slice(0, MAX_ADDITIONAL_HOSTS);
  if (hosts.length > 0) q.set('pomerium_additional_hosts', hosts.join(','));
  if (options.callbackUri !== undefined)
    q.set('pomerium_callback_uri', String(options.callbackUri));
  if (options.programmatic) q.set('pomerium_programmatic', 'true');
  return signUrl(url, options.key, options.now);
}

/**
 * The signed link to the authenticate host's user info page (`/.pomerium/`), used as the
 * "debug"/"who am I" link on error pages (docs/pomerium-behaviour.md §3.6).
 */
export function buildUserInfoUrl(options: {
  readonly authenticateUrl: string | URL;
  readonly redirectUri: string | URL;
  readonly key: Uint8Array;
  readonly now?: number;
}): string {
  const url = new URL('/.pomerium/', String(options.authenticateUrl));
  url.searchParams.set('pomerium_redirect_uri', String(options.redirectUri));
  return signUrl(url, options.key, options.now);
}
