// The forward-auth room (docs/forward-auth.md): the HTTP front door for nginx, Caddy and Traefik.
export {
  createForwardAuthServer,
  type ForwardAuthServer,
  type ForwardAuthServerOptions,
} from './create-forward-auth-server.js';
export { compileRouteMatcher, type RouteMatch, routeMatcherFor } from './match-route.js';
export {
  CONVENTIONS,
  forwardedPathProblem,
  type ProxyConvention,
  readForwardedRequest,
} from './read-forwarded-request.js';
