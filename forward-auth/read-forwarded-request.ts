// Inbound conversion of the forward-auth front door (docs/forward-auth.md): the fronting
// proxy's auth subrequest becomes the same AuthzRequest an Envoy CheckRequest becomes
// (authz/grpc/read-check-request.ts). Each proxy convention reads ONLY the headers that proxy
// sets itself (overwriting any client copy, per the snippets in docs/forward-auth.md):
//
//   nginx    auth_request      X-Original-Method, X-Original-URL (scheme://host/path?query)
//   caddy    forward_auth      X-Forwarded-Method, X-Forwarded-Proto, X-Forwarded-Host,
//   traefik  ForwardAuth       X-Forwarded-Uri (path?query)
//
// Everything else fails closed: a missing or repeated convention header, a second Host, an
// authority or path Envoy would not route as is (wire/edge/, plus the merged slashes and
// encoded unreserved characters Envoy normalises before it matches) is named in `rejected` and
// answered 400 by the pipeline before any policy.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthzRequest } from '../authz/index.js';
import { checkAuthority, checkCanonicalPath, hostnameOf } from '../wire/index.js';
import type { RouteMatch } from './match-route.js';

export type ProxyConvention = 'nginx' | 'caddy' | 'traefik';

export const CONVENTIONS: readonly ProxyConvention[] = ['nginx', 'caddy', 'traefik'];

/** The request-describing headers a convention reads (never passed on to the policy). */
const DESCRIBING = [
  'x-original-method',
  'x-original-url',
  'x-original-uri',
  'x-forwarded-method',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-uri',
  'x-forwarded-prefix',
  'x-real-ip',
];

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
]);

const METHOD = /^[A-Z][A-Z-]{0,31}$/;
const MAX_ID = 128;

/** Why a forwarded path is refused beyond wire/edge/canonical-path.ts (Envoy would rewrite it). */
export function forwardedPathProblem(rawPath: string): string | null {
  const canonical = checkCanonicalPath(rawPath);
  if (canonical !== null) return canonical;
  if (rawPath.includes('//')) return 'path-merged-slashes';
  // Envoy decodes %-escaped unreserved characters before matching (`/%61dmin` is `/admin`).
  if (/%(?:[46][1-9a-f]|[57][0-9a]|3[0-9]|2d|2e|5f|7e)/i.test(rawPath)) {
    return 'path-encoded-unreserved';
  }
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x23 /* # */) return 'path-malformed';
  }
  return null;
}

/** Exactly one value of a header, or why not. */
function one(
  distinct: Readonly<Record<string, string[] | undefined>>,
  name: string,
): { value: string } | { problem: string } {
  const v = distinct[name];
  if (v === undefined || v.length === 0) return { problem: `${name}-missing` };
  if (v.length > 1) return { problem: `${name}-duplicate` };
  return { value: v[0]! };
}

interface Target {
  readonly method: string;
  readonly scheme: string;
  readonly host: string;
  readonly target: string;
}

function readTarget(
  convention: ProxyConvention,
  distinct: Readonly<Record<string, string[] | undefined>>,
): Target | { problem: string } {
  if (convention === 'nginx') {
    const method = one(distinct, 'x-original-method');
    if ('problem' in method) return method;
    const url = one(distinct, 'x-original-url');
    if ('problem' in url) return url;
    // scheme://authority/path?query — parsed by hand: new URL() would resolve dot segments
    const m = /^(https?):\/\/([^/?#]*)(\/[^#]*)$/i.exec(url.value);
    if (m === null) return { problem: 'x-original-url-malformed' };
    return { method: method.value, scheme: m[1]!.toLowerCase(), host: m[2]!, target: m[3]! };
  }
  const method = one(distinct, 'x-forwarded-method');
  if ('problem' in method) return method;
  const proto = one(distinct, 'x-forwarded-proto');
  if ('problem' in proto) return proto;
  const host = one(distinct, 'x-forwarded-host');
  if ('problem' in host) return host;
  const uri = one(distinct, 'x-forwarded-uri');
  if ('problem' in uri) return uri;
  const scheme = proto.value.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return { problem: 'x-forwarded-proto-malformed' };
  if (!uri.value.startsWith('/')) return { problem: 'x-forwarded-uri-malformed' };
  return { method: method.value, scheme, host: host.value, target: uri.value };
}

/** The client address the proxy names: nginx `X-Real-IP`, else the last X-Forwarded-For hop. */
function sourceIp(
  convention: ProxyConvention,
  distinct: Readonly<Record<string, string[] | undefined>>,
): string {
  if (convention === 'nginx') {
    const ip = distinct['x-real-ip'];
    return ip?.length === 1 ? ip[0]!.trim() : '';
  }
  const xff = distinct['x-forwarded-for'];
  if (xff === undefined || xff.length === 0) return '';
  const last = xff[xff.length - 1]!;
  return last.slice(last.lastIndexOf(',') + 1).trim();
}

export interface ForwardedRequest {
  readonly req: AuthzRequest;
  /** The target as the proxy named it (for the matcher), '' when rejected before that. */
  readonly authority: string;
  readonly target: string;
  /** The scheme the proxy named (http or https). */
  readonly scheme: string;
}

/**
 * Converts one auth subrequest. `match` maps the authority and target to the generated
 * config's route (forward-auth/match-route.ts); it is asked only for a well-formed request.
 */
export function readForwardedRequest(
  convention: ProxyConvention,
  headersDistinct: Readonly<Record<string, string[] | undefined>>,
  match: (authority: string, target: string) => RouteMatch | null,
): ForwardedRequest & { readonly route: RouteMatch | null } {
  const t = readTarget(convention, headersDistinct);
  const headers: Record<string, string> = Object.create(null);
  const cookies: string[] = [];
  for (const [name, values] of Object.entries(headersDistinct)) {
    if (values === undefined || HOP_BY_HOP.has(name) || DESCRIBING.includes(name)) continue;
    if (name === 'host') continue;
    if (name === 'cookie') cookies.push(...values);
    headers[name] = values.join(',');
  }
  const idHeader = headersDistinct['x-request-id'];
  const id = idHeader?.length === 1 ? idHeader[0]! : '';
  const requestId = id !== '' && id.length <= MAX_ID ? id : randomUUID();
  let rejected: string | null;
  let host = '';
  let target = '/';
  let method = 'GET';
  let scheme = 'https';
  if ('problem' in t) rejected = t.problem;
  else {
    scheme = t.scheme;
    host = t.host;
    target = t.target;
    method = t.method.toUpperCase();
    const q = target.indexOf('?');
    rejected =
      checkAuthority(host) ??
      (METHOD.test(method) ? null : 'method-malformed') ??
      forwardedPathProblem(q === -1 ? target : target.slice(0, q));
  }
  if (host !== '') headers.host = host;
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  const route = rejected === null ? match(host, target) : null;
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    rejected ??= 'path-bad-encoding';
  }
  const req: AuthzRequest = {
    requestId,
    http: {
      method,
      host,
      hostname: hostnameOf(host),
      path,
      rawPath,
      rawQuery,
      url: `https://${host}${rawPath}${rawQuery === '' ? '' : `?${rawQuery}`}`,
      headers,
      sourceIp: rejected === null ? sourceIp(convention, headersDistinct) : '',
      clientCertificate: NO_CERTIFICATE,
    },
    internal: route?.kind === 'internal',
    routeId: route?.kind === 'route' ? route.routeId : '',
    peerCertificatePresented: false,
    peerCertificatePem: '',
    peerCertificateChain: '',
    cookieHeader: cookies.join(','),
    rejected,
  };
  return { req, authority: host, target, scheme, route };
}

const NO_CERTIFICATE = Object.freeze({ presented: false, valid: false });

export type { IncomingHttpHeaders };
