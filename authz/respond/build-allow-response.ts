// The OK answer (docs/pomerium-behaviour.md §4): the signed assertion and claim headers (or their removal when
// pass_identity_headers is off), set_request_headers, the routing key; and what never reaches an
// upstream: our cookie (other cookies kept, repeated Cookie headers folded), every token header
// form, the pomerium_session query parameter, client-forged X-Pomerium-* identity headers, and
// the headers that describe the request to an upstream (wire/edge/client-headers.ts).
import { createHash, X509Certificate } from 'node:crypto';
import type { Session } from '../../databroker/index.js';
import { looksLikeMcpAccessToken } from '../../mcp/index.js';
import {
  ASSERTION_CLAIMS,
  isRequestDescribingHeader,
  OUR_AUTHORIZATION,
  queryTokens,
  removeCookies,
} from '../../wire/index.js';
import type { AuthzState, RouteState } from '../lib/authz-state.js';
import type { AllowResponse, AuthzRequest, HeaderPair } from '../lib/authz-types.js';
import type { PolicyIdentity, PolicyRequest } from '../policy/types.js';
import type { AssertionClaims, AssertionSigner } from '../session/sign-assertion.js';
import { renderHeaderTemplate, type TemplateValues } from './header-template.js';

export const ASSERTION_HEADER = 'x-pomerium-jwt-assertion';
export const ASSERTION_FOR_HEADER = 'x-pomerium-jwt-assertion-for';
const ROUTING_KEY = 'x-pomerium-routing-key';
const ALWAYS_REMOVED = [
  'x-pomerium-authorization',
  'x-pomerium-reproxy-policy',
  'x-pomerium-reproxy-policy-hmac',
];

/** The identity headers of one identity on one route and host, computed once. */
interface IdentityProduct {
  readonly claims: AssertionClaims;
  readonly claimsKey: string;
  readonly claimHeaders: readonly HeaderPair[];
}

const ANONYMOUS = Object.freeze({});
const MAX_HOSTS_PER_ROUTE = 64;

/**
 * Memoizes assertion claims and claim headers per (identity object, route state, hostname):
 * identities are frozen and reused while their records are unchanged (resolve-identity.ts), so
 * the hot path neither rebuilds claims nor serializes them.
 */
export function createIdentityHeaderCache(): (input: AllowInput) => IdentityProduct {
  const memo = new WeakMap<object, WeakMap<RouteState, Map<string, IdentityProduct>>>();
  return (input) => {
    const owner: object = input.identity ?? ANONYMOUS;
    let byRoute = memo.get(owner);
    if (!byRoute) {
      byRoute = new WeakMap();
      memo.set(owner, byRoute);
    }
    let byHost = byRoute.get(input.route);
    if (!byHost) {
      byHost = new Map();
      byRoute.set(input.route, byHost);
    }
    const host = input.policyRequest.hostname;
    let product = byHost.get(host);
    if (!product) {
      const claims = assertionClaims(input);
      product = {
        claims,
        claimsKey: JSON.stringify(claims),
        claimHeaders: input.route.claimHeaders.map(
          ([name, claim]) => [name, claimValue(claims[claim])] as const,
        ),
      };
      if (byHost.size >= MAX_HOSTS_PER_ROUTE) byHost.clear();
      byHost.set(host, product);
    }
    return product;
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** Header values from claims or templates never carry CR, LF or other control characters. */
export function headerSafe(value: string): string {
  return CONTROL.test(value) ? value.replace(CONTROLS, ' ') : value;
}

export interface AllowInput {
  readonly state: AuthzState;
  readonly route: RouteState;
  readonly req: AuthzRequest;
  readonly policyRequest: PolicyRequest;
  readonly identity: PolicyIdentity | null;
  readonly session: Session | null;
  /** Display name for the assertion (`name`). */
  readonly name: string;
  readonly signer: AssertionSigner;
  readonly identityHeaders: (input: AllowInput) => IdentityProduct;
  readonly now: number;
}

function claimValue(v: unknown): string {
  if (Array.isArray(v)) return v.map(claimValue).join(',');
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The assertion claims (§4.1) except iat/exp/jti. */
export function assertionClaims(input: AllowInput): AssertionClaims {
  const { route, identity, policyRequest } = input;
  const host = policyRequest.hostname;
  const groups = (identity?.groups ?? []).filter(
    (g) => route.groupsFilter === null || route.groupsFilter.has(g),
  );
  const claims: Record<string, string | readonly string[]> = {
    iss: route.issuerUri ? `https://${host}/` : host,
    aud: host,
    sub: identity?.userId ?? '',
    user: identity?.userId ?? '',
    email: identity?.email ?? '',
    groups,
    sid: identity?.sessionId ?? '',
    name: input.name,
  };
  for (const [, claim] of route.claimHeaders) {
    if (ASSERTION_CLAIMS.has(claim) || claim in claims) continue;
    claims[claim] = claimValue(identity?.claims[claim]);
  }
  return claims;
}

function certValues(
  pem: string,
): Pick<TemplateValues, 'clientCertFingerprint' | 'clientCertSanDns' | 'clientCertSanEmail'> {
  if (pem === '')
    return { clientCertFingerprint: '', clientCertSanDns: '', clientCertSanEmail: '' };
  try {
    const cert = new X509Certificate(pem);
    const sans = (cert.subjectAltName ?? '').split(/,\s*/);
    const pick = (prefix: string) =>
      sans
        .filter((s) => s.startsWith(prefix))
        .map((s) => s.slice(prefix.length))
        .filter((s) => !s.includes(','))
        .join(',');
    return {
      clientCertFingerprint: createHash('sha256').update(cert.raw).digest('hex'),
      clientCertSanDns: pick('DNS:'),
      clientCertSanEmail: pick('email:'),
    };
  } catch {
    return { clientCertFingerprint: '', clientCertSanDns: '', clientCertSanEmail: '' };
  }
}

/** The OK answer; synchronous unless the assertion must be (re-)signed first. */
export function buildAllowResponse(input: AllowInput): AllowResponse | Promise<AllowResponse> {
  if (!input.route.needsJwt) return assemble(input, '');
  const p = input.identityHeaders(input);
  const key = input.state.signingKey;
  const cached = input.signer.peek(p.claimsKey, key, input.now);
  if (cached !== undefined) return assemble(input, cached);
  return input.signer
    .sign(p.claims, key, input.now, p.claimsKey)
    .then((jwt) => assemble(input, jwt));
}

const IMPERSONATE_GROUP = 'impersonate-group';

/**
 * kubernetes_service_account_token (docs/pomerium-behaviour.md §2.2): the upstream (a Kubernetes
 * API server) gets `Authorization: Bearer <token>` and impersonates the signed-in user —
 * `Impersonate-User: <email>` and `Impersonate-Group` with each group (Envoy's ext_authz joins the
 * values into one comma-separated line; README "Kubernetes"). Client-sent `Impersonate-*`
 * headers never pass. Without a signed-in user (a public route) neither the token nor any
 * impersonation is sent: the service account's own rights are never handed to anonymous users.
 * Returns the groups after the first (appended as further values).
 */
function kubernetesHeaders(
  input: AllowInput,
  set: Map<string, string>,
  remove: Set<string>,
): readonly string[] {
  const token = input.route.kubernetesToken;
  if (token === null) return [];
  for (const name of Object.keys(input.req.http.headers)) {
    if (name.startsWith('impersonate-')) remove.add(name);
  }
  const identity = input.identity;
  const user = identity?.email || identity?.userId || '';
  if (user === '') return [];
  set.set('authorization', `Bearer ${token}`);
  set.set('impersonate-user', user);
  const groups = identity?.groups ?? [];
  if (groups.length === 0) return [];
  set.set(IMPERSONATE_GROUP, groups[0]!);
  return groups.slice(1);
}

/** The empty list of removals, shared by every answer that removes nothing. */
const NOTHING: readonly string[] = Object.freeze([]);

function assemble(input: AllowInput, jwt: string): AllowResponse {
  const { state, route, req, session } = input;
  const h = req.http.headers;
  const set = new Map<string, string>();
  const remove = new Set<string>();
  for (const name of ALWAYS_REMOVED) if (name in h) remove.add(name);
  if (h.authorization !== undefined && OUR_AUTHORIZATION.test(h.authorization)) {
    remove.add('authorization');
  }
  // an MCP access token of ours is for Portcullis, not the upstream (docs/mcp.md)
  if (route.mcpServer !== null && h.authorization !== undefined) {
    const bearer = /^\s*bearer\s+(\S+)\s*$/i.exec(h.authorization)?.[1];
    if (bearer !== undefined && looksLikeMcpAccessToken(bearer)) remove.add('authorization');
  }

  // Our cookie out; every other cookie kept byte for byte (wire/parse-cookies.ts).
  if (req.cookieHeader !== '') {
    const kept = removeCookies(req.cookieHeader, state.cookieNames);
    if (kept === null) remove.add('cookie');
    else if (kept !== req.cookieHeader) set.set('cookie', kept);
  }
  const queryToRemove =
    req.http.rawQuery !== '' && queryTokens(req.http.rawQuery).length > 0
      ? ['pomerium_session']
      : NOTHING;

  // Identity headers: ours, or none; a client's own values never pass.
  const claimNames = route.claimHeaderNames;
  // for…in over the request's own header names: no array of names per Check.
  for (const name in h) {
    if (!Object.hasOwn(h, name)) continue;
    if (name.startsWith('x-pomerium-claim-') && !claimNames.has(name)) remove.add(name);
    else if (isRequestDescribingHeader(name)) remove.add(name);
  }
  if (ASSERTION_FOR_HEADER in h) remove.add(ASSERTION_FOR_HEADER);
  if (route.passIdentityHeaders) {
    set.set(ASSERTION_HEADER, jwt);
    // Only an assertion the caller presents is passed on (the upstream verifies it like ours);
    // a client's own X-Pomerium-Jwt-Assertion-For never is (README "Headers no upstream receives").
    const previous = h[ASSERTION_HEADER];
    if (previous) set.set(ASSERTION_FOR_HEADER, previous);
    for (const [name, value] of input.identityHeaders(input).claimHeaders) set.set(name, value);
  } else {
    if (ASSERTION_HEADER in h) remove.add(ASSERTION_HEADER);
    if (ASSERTION_FOR_HEADER in h) remove.add(ASSERTION_FOR_HEADER);
    for (const name of claimNames) if (name in h) remove.add(name);
  }
  if (route.routingKey && session) {
    set.set(ROUTING_KEY, createHash('sha256').update(session.id).digest('hex'));
  } else if (ROUTING_KEY in h) remove.add(ROUTING_KEY);

  if (route.setRequestHeaders.length > 0) {
    const values: TemplateValues = {
      accessToken: session?.oauth_token?.access_token ?? '',
      idToken: session?.id_token?.raw ?? '',
      jwt,
      ...certValues(input.policyRequest.clientCertificate.leafPem ?? ''),
      header: (name) => h[name] ?? '',
    };
    for (const [name, tpl] of route.setRequestHeaders) {
      set.set(name, renderHeaderTemplate(tpl, values));
    }
  }
  const groups = kubernetesHeaders(input, set, remove);
  for (const name of set.keys()) remove.delete(name);
  const headers: HeaderPair[] = [];
  for (const [name, value] of set) headers.push([name, headerSafe(value)]);
  // Further values of a name already set are appended (write-check-response.ts).
  for (const g of groups) headers.push([IMPERSONATE_GROUP, headerSafe(g)]);
  return {
    kind: 'allow',
    headers,
    headersToRemove: remove.size === 0 ? NOTHING : [...remove],
    queryToRemove,
  };
}
