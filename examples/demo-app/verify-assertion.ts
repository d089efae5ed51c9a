// How an upstream app checks X-Pomerium-Jwt-Assertion (docs/pomerium-behaviour.md §4.1, §4.2): fetch the JWKS
// from its own public host at /.well-known/pomerium/jwks.json, verify the signature, and check
// that `aud` is its own hostname and `iss` the same host (hostOnly) or https://host/ (uri).
import { request } from 'node:http';
import { createRemoteJWKSet, customFetch, type JWTPayload, jwtVerify } from 'jose';

/** The error when the request carried no assertion (the route passes no identity headers). */
export const NO_ASSERTION = 'no X-Pomerium-Jwt-Assertion header';

export type AssertionCheck =
  | { readonly verified: true; readonly claims: JWTPayload }
  | { readonly verified: false; readonly error: string };

export interface AssertionVerifierOptions {
  /**
   * Reach every public host through this `host:port` (the proxy), with the public host in the
   * Host header — what DNS does in a real deployment. Without it, `jwksUrl` is required.
   */
  readonly connect?: string;
  /** A fixed JWKS URL instead of `<scheme>://<public host>/.well-known/pomerium/jwks.json`. */
  readonly jwksUrl?: string;
}

type Jwks = ReturnType<typeof createRemoteJWKSet>;

/** A node:http fetch for jose that connects to `connect` whatever the URL's host. */
function fetchThrough(connect: string) {
  const [host, port] = [
    connect.slice(0, connect.lastIndexOf(':')),
    connect.slice(connect.lastIndexOf(':') + 1),
  ];
  return (url: string, init: { headers: Headers; signal: AbortSignal }): Promise<Response> =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = request(
        {
          host,
          port: Number(port),
          path: `${u.pathname}${u.search}`,
          headers: {
            ...Object.fromEntries(init.headers),
            host: u.host,
            'x-forwarded-proto': u.protocol.slice(0, -1),
          },
          signal: init.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve(
              new Response(Buffer.concat(chunks), {
                status: res.statusCode ?? 502,
                headers: { 'content-type': String(res.headers['content-type'] ?? '') },
              }),
            ),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
}

export function createAssertionVerifier(options: AssertionVerifierOptions) {
  if (!options.connect && !options.jwksUrl) {
    throw new TypeError('demo app: give connect (the proxy address) or jwksUrl');
  }
  const sets = new Map<string, Jwks>();
  const jwksFor = (publicOrigin: string): Jwks => {
    const url = options.jwksUrl ?? `${publicOrigin}/.well-known/pomerium/jwks.json`;
    let set = sets.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), {
        ...(options.connect ? { [customFetch]: fetchThrough(options.connect) } : {}),
        cooldownDuration: 1000,
      });
      sets.set(url, set);
    }
    return set;
  };
  /** Verifies one assertion for the public origin the request came to, e.g. `http://app.localhost:8080`. */
  return async function verify(
    assertion: string | undefined,
    publicOrigin: string,
  ): Promise<AssertionCheck> {
    if (!assertion) return { verified: false, error: NO_ASSERTION };
    const hostname = new URL(publicOrigin).hostname;
    try {
      const { payload } = await jwtVerify(assertion, jwksFor(publicOrigin), {
        audience: hostname,
        issuer: [hostname, `https://${hostname}/`],
        algorithms: ['ES256', 'RS256'],
      });
      return { verified: true, claims: payload };
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'ERR_JWT_INVALID';
      return { verified: false, error: `${code}: ${(err as Error).message}` };
    }
  };
}
