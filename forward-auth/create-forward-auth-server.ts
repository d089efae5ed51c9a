// The forward-auth front door (docs/forward-auth.md): an HTTP server the fronting proxy (nginx
// auth_request, Caddy forward_auth, Traefik ForwardAuth) asks about every request. It reads the
// original request from the headers the proxy sets (read-forwarded-request.ts), finds its route
// with the matcher built from the generated Envoy route configuration (match-route.ts), and
// decides with authz's decision core (authz/build-authz-server.ts `decide`: the same compiled
// policies, sessions, fail-closed wrapper and `authorize` log line as the ext_authz Check).
//
//   /verify/nginx     2xx + identity headers | 401 (sign in; Location kept) | 403 (anything else)
//   /page/nginx       the full answer for nginx's error_page (302 to sign in, 403 page, …)
//   /verify/caddy     2xx + identity headers | the full answer (302, 401, 403 page, 400, …)
//   /verify/traefik   as caddy
//   /healthz          200
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import type { AuthzResponse, AuthzServer } from '../authz/index.js';
import type { LoadedConfig } from '../config/index.js';
import { startForwardAuthSpan, tracingOn } from '../tracing/index.js';
import { type RouteMatcher, routeMatcherFor } from './match-route.js';
import { type ProxyConvention, readForwardedRequest } from './read-forwarded-request.js';

export interface ForwardAuthServerOptions {
  readonly loaded: LoadedConfig;
  /** The decision core (authz's `decide`). */
  readonly authz: Pick<AuthzServer, 'decide'>;
  readonly logger?: Logger;
}

export interface ForwardAuthServer {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Builds the matcher for a new config; commit() swaps it in. */
  prepare(loaded: LoadedConfig): { commit(): void };
  close(): Promise<void>;
}

type Endpoint = { readonly convention: ProxyConvention; readonly page: boolean };

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/verify/nginx': { convention: 'nginx', page: false },
  '/page/nginx': { convention: 'nginx', page: true },
  '/verify/caddy': { convention: 'caddy', page: true },
  '/verify/traefik': { convention: 'traefik', page: true },
};

const MISROUTED: readonly (readonly [string, string])[] = [['content-type', 'text/plain']];
const MISROUTED_TEXT =
  "Portcullis' own paths and the authenticate host go to authn, not through forward-auth (docs/forward-auth.md)";

const NO_STORE: readonly (readonly [string, string])[] = [['cache-control', 'no-store']];

/** nginx's auth_request understands only 2xx, 401 and 403 (anything else becomes a 500). */
function nginxStatus(res: AuthzResponse & { kind: 'deny' }): number {
  if (res.status === 302 || res.status === 401) return 401;
  return 403;
}

function send(
  res: ServerResponse,
  status: number,
  headers: readonly (readonly [string, string])[],
  body: string,
): void {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of [...headers, ...NO_STORE]) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  out['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, out);
  res.end(body);
}

export function createForwardAuthServer(options: ForwardAuthServerOptions): ForwardAuthServer {
  const logger = (options.logger ?? pino({ level: 'silent' })).child({
    component: 'forward-auth',
  });
  let matcher: RouteMatcher = routeMatcherFor(options.loaded.config);
  const { authz } = options;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const q = (req.url ?? '/').indexOf('?');
    const path = q === -1 ? (req.url ?? '/') : (req.url ?? '/').slice(0, q);
    if (path === '/healthz') {
      send(res, 200, [['content-type', 'text/plain']], 'OK');
      return;
    }
    const endpoint = Object.hasOwn(ENDPOINTS, path) ? ENDPOINTS[path] : undefined;
    if (endpoint === undefined) {
      send(res, 404, [['content-type', 'text/plain']], 'not found');
      return;
    }
    req.resume(); // a body is never read
    const {
      req: request,
      route,
      scheme,
      authority,
      target,
    } = readForwardedRequest(endpoint.convention, req.headersDistinct, (authority, target) =>
      matcher.match(authority, target),
    );
    // Tracing (docs/forward-auth.md "Tracing"): our span is a child of the proxy's traceparent,
    // the Check's parent, and named in the allowed answer's traceparent for the upstream.
    const span = tracingOn ? startForwardAuthSpan(req.headers, path) : undefined;
    const reply = (
      status: number,
      headers: readonly (readonly [string, string])[],
      body: string,
    ): void => {
      span?.end(status, request.requestId);
      send(res, status, headers, body);
    };
    if (route?.kind === 'disabled') {
      // The authenticate host is authn's; Envoy routes it there without a check. Asked here,
      // the proxy would send it on to an app: fail closed (docs/forward-auth.md).
      reply(403, MISROUTED, MISROUTED_TEXT);
      return;
    }
    authz.decide(request, undefined, span?.context).then(
      ({ response }) => {
        if (response.kind === 'allow' && request.internal) {
          // `/.pomerium/*` that authn serves: the proxy must send it to authn, never to the app
          reply(403, MISROUTED, MISROUTED_TEXT);
          return;
        }
        if (response.kind === 'allow') {
          if (endpoint.page && endpoint.convention === 'nginx') {
            // allowed by now (a sign-in finished meanwhile): try again
            const m = request.http.method;
            if (m === 'GET' || m === 'HEAD') {
              reply(302, [['location', `${scheme}://${authority}${target}`]], '');
            } else reply(503, [['content-type', 'text/plain']], 'try again');
            return;
          }
          const context = span === undefined ? [] : Object.entries(span.context);
          reply(200, [...response.headers, ...(context as [string, string][])], '');
          return;
        }
        if (!endpoint.page) {
          reply(nginxStatus(response), response.headers, '');
          return;
        }
        reply(response.status, response.headers, response.body);
      },
      (err: unknown) => {
        // decide() answers every error itself; this is a bug: fail closed
        logger.error({ err }, 'forward-auth decision failed');
        reply(endpoint.page ? 503 : 403, [], '');
      },
    );
  };

  let server: Server | null = null;
  return {
    handler,
    async listen(port, host = '127.0.0.1') {
      const srv = createServer({ maxHeaderSize: 128 * 1024 }, handler);
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      return srv.address() as AddressInfo;
    },
    prepare(loaded) {
      const next = routeMatcherFor(loaded.config);
      return {
        commit() {
          matcher = next;
        },
      };
    },
    async close() {
      const srv = server;
      server = null;
      if (srv === null) return;
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      });
    },
  };
}
