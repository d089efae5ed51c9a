// Request headers no client may send to an upstream (README "Headers no upstream receives"):
// names that upstreams, frameworks or Envoy trust to describe the request (its original path,
// its method, the user to impersonate) and our own identity headers. authz removes them from
// every allowed request (authz/respond/build-allow-response.ts); Envoy removes the first group too,
// after ext_authz, on every policy route (envoy/build/build-route.ts).

/** Headers that rewrite what an upstream believes about the request. */
export const REQUEST_DESCRIBING_HEADERS: readonly string[] = Object.freeze([
  // The original path or URL: IIS/ASP.NET (x-original-url, x-rewrite-url), nginx setups
  // (x-original-uri), Envoy itself (x-envoy-original-path, set by the router on rewrites).
  'x-envoy-original-path',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  // Method overrides honoured by many frameworks (a GET that the upstream runs as DELETE).
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  // Kubernetes API impersonation.
  'impersonate-user',
  'impersonate-group',
  'impersonate-uid',
]);

/** Prefixes of the same kind (Kubernetes `Impersonate-Extra-<key>`). */
export const REQUEST_DESCRIBING_PREFIXES: readonly string[] = Object.freeze(['impersonate-extra-']);

/**
 * Our own headers a client can never supply (set only by authz, or never at all). The
 * assertion, claim and routing-key headers are also always replaced or removed by authz.
 */
export const OWN_HEADERS: readonly string[] = Object.freeze([
  'x-pomerium-authorization',
  'x-pomerium-jwt-assertion',
  'x-pomerium-jwt-assertion-for',
  'x-pomerium-reproxy-policy',
  'x-pomerium-reproxy-policy-hmac',
  'x-pomerium-routing-key',
]);

const DESCRIBING = new Set(REQUEST_DESCRIBING_HEADERS);

/** True for a (lower-case) header name no client may send upstream in the first group. */
export function isRequestDescribingHeader(name: string): boolean {
  if (DESCRIBING.has(name)) return true;
  for (const p of REQUEST_DESCRIBING_PREFIXES) if (name.startsWith(p)) return true;
  return false;
}
