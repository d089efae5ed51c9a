// The least code for OpenID Connect providers' quirks (docs/identity-providers.md): after the ID
// token passed verify-idp-jwt.ts, a preset may refuse it or adjust its claims before
// extractIdentity reads them.
// - google: with `idp_request_params: {hd: example.com}` the ID token's `hd` must be that
//   domain (`hd: "*"`: any Workspace domain, a consumer account without `hd` is refused); the
//   parameter only filters Google's account chooser, the claim is what proves it.
// - azure (Entra ID v2): the token's tenant `tid` must be the tenant of idp_provider_url;
//   `email_verified` is never sent, so the email counts only with the optional claim
//   `xms_edov: true` (domain owner verified) or idp_trust_unverified_email; group overage
//   (`_claim_names.groups` or `hasgroups`) fetches the groups from Microsoft Graph's
//   /me/getMemberGroups with the access token — never from the URL inside the token.
import { PortcullisError } from '../../../errors/index.js';

export interface OidcQuirks {
  /**
   * Refuses the verified ID token's claims (throws) or returns the claims to use. `form` is the
   * whole form_post callback body (Apple's `user`): browser-carried, never proof of anything.
   */
  claims(
    idToken: Readonly<Record<string, unknown>>,
    accessToken: string,
    callback?: { readonly form?: URLSearchParams },
  ): Promise<Record<string, unknown>>;
  /** Fixes a userinfo answer (already checked to name the same `sub`). */
  userinfo?(info: Record<string, unknown>): Record<string, unknown>;
  /**
   * The provider's own sign-out URL form; null = the provider has none, undefined = the
   * discovery document's end_session_endpoint as usual.
   */
  endSessionUrl?(
    metadata: { readonly authorization_endpoint?: string; readonly end_session_endpoint?: string },
    args: {
      readonly idTokenHint: string;
      readonly postLogoutRedirectUri: string;
      readonly clientId: string;
    },
  ): string | null | undefined;
}

export function googleQuirks(hostedDomain: string): OidcQuirks {
  const want = hostedDomain.trim().toLowerCase();
  return {
    async claims(idToken) {
      const hd = typeof idToken.hd === 'string' ? idToken.hd.toLowerCase() : '';
      if (hd === '' || (want !== '*' && hd !== want)) {
        throw new PortcullisError(
          'AUTHN_ACCESS_DENIED',
          want === '*'
            ? 'the Google account belongs to no Workspace domain (hd)'
            : `the Google account is not in the hosted domain ${want} (hd)`,
        );
      }
      return { ...idToken };
    },
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant id in an Entra v2 issuer (`https://login.microsoftonline.com/<tenant>/v2.0`). */
export function entraTenant(issuer: string): string | null {
  const first = new URL(issuer).pathname.split('/').filter(Boolean)[0] ?? '';
  return GUID.test(first) ? first.toLowerCase() : null;
}

/** Microsoft Graph of the cloud the login host belongs to. */
export function graphBaseFor(issuer: string): string {
  const host = new URL(issuer).hostname.toLowerCase();
  if (host === 'login.microsoftonline.us') return 'https://graph.microsoft.us';
  if (host === 'login.chinacloudapi.cn') return 'https://microsoftgraph.chinacloudapi.cn';
  return 'https://graph.microsoft.com';
}

export interface EntraOptions {
  readonly issuer: string;
  /** Microsoft Graph base URL (default: the cloud of the issuer). */
  readonly graphBase?: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

/** At most this many Graph pages (groups) per sign-in. */
const MAX_GRAPH_PAGES = 50;

export function entraQuirks(options: EntraOptions): OidcQuirks {
  const tenant = entraTenant(options.issuer);
  const graph = (options.graphBase ?? graphBaseFor(options.issuer)).replace(/\/+$/, '');
  const graphOrigin = new URL(graph).origin;
  const doFetch = options.fetch ?? fetch;

  async function memberGroups(accessToken: string): Promise<string[]> {
    const groups: string[] = [];
    let url: string | null = `${graph}/v1.0/me/getMemberGroups`;
    for (let page = 0; url; page++) {
      if (page >= MAX_GRAPH_PAGES) {
        throw new PortcullisError('AUTHN_IDP_ERROR', 'Microsoft Graph: too many pages of groups');
      }
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${accessToken}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({ securityEnabledOnly: false }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch {
        throw new PortcullisError('AUTHN_IDP_UNAVAILABLE', 'Microsoft Graph is unreachable');
      }
      if (res.status !== 200) {
        throw new PortcullisError(
          res.status >= 500 || res.status === 429 ? 'AUTHN_IDP_UNAVAILABLE' : 'AUTHN_IDP_ERROR',
          `Microsoft Graph getMemberGroups answered ${res.status} (group overage needs the GroupMember.Read.All or Directory.Read.All scope)`,
        );
      }
      let body: { value?: unknown; '@odata.nextLink'?: unknown };
      try {
        body = (await res.json()) as typeof body;
      } catch {
        throw new PortcullisError('AUTHN_IDP_ERROR', 'Microsoft Graph: the answer is not JSON');
      }
      if (!Array.isArray(body.value)) {
        throw new PortcullisError('AUTHN_IDP_ERROR', 'Microsoft Graph: no value list');
      }
      for (const v of body.value) if (typeof v === 'string') groups.push(v);
      const next = body['@odata.nextLink'];
      if (typeof next === 'string') {
        const parsed: URL = new URL(next, url);
        if (parsed.origin !== graphOrigin) {
          throw new PortcullisError(
            'AUTHN_IDP_ERROR',
            'Microsoft Graph: the next page is on another origin; refused',
          );
        }
        url = parsed.toString();
      } else url = null;
    }
    return groups;
  }

  return {
    async claims(idToken, accessToken) {
      const tid = typeof idToken.tid === 'string' ? idToken.tid.toLowerCase() : '';
      if (tenant !== null && tid !== tenant) {
        throw new PortcullisError(
          'AUTHN_TOKEN_INVALID',
          'the Entra ID token names another tenant (tid) than idp_provider_url',
        );
      }
      const out: Record<string, unknown> = { ...idToken };
      // Entra never proves email ownership except with the optional xms_edov claim.
      out.email_verified = idToken.xms_edov === true || idToken.xms_edov === 'true';
      const names = idToken._claim_names;
      const overage =
        idToken.hasgroups === true ||
        (typeof names === 'object' && names !== null && 'groups' in names);
      if (overage) {
        out.groups = await memberGroups(accessToken);
        delete out._claim_names;
        delete out._claim_sources;
        delete out.hasgroups;
      }
      return out;
    },
  };
}
