// The endpoint table: which handler answers a path on the authenticate host and on route hosts
// (docs/pomerium-behaviour.md §5). Anything else is 404; a host that is neither ours gets only health checks.
import { ASSET_PREFIX } from '../wire/index.js';
import { ACME_CHALLENGE_PATH, handleAcmeChallenge } from './handle-acme-challenge.js';
import { handleAsset } from './handle-asset.js';
import { handleBackchannelLogout } from './handle-backchannel-logout.js';
import { handleDeviceEnrolled } from './handle-device-enrolled.js';
import { handleHealth, handleRobots } from './handle-health.js';
import { handleHpkePublicKey } from './handle-hpke-public-key.js';
import {
  handleMcpAuthorize,
  handleMcpRegister,
  handleMcpRevoke,
  handleMcpToken,
} from './handle-mcp-oauth.js';
import { handleOAuthCallback } from './handle-oauth-callback.js';
import { handleProgrammaticLogin } from './handle-programmatic-login.js';
import { handleRouteCallback } from './handle-route-callback.js';
import { handleRouteSignIn, handleSignIn } from './handle-sign-in.js';
import {
  handleAuthenticateSignOut,
  handleRouteSignOut,
  handleSignedOut,
} from './handle-sign-out.js';
import { handleUserInfoPage, handleUserJson } from './handle-user-info.js';
import { handleJwks, handleWellKnown } from './handle-well-known.js';
import { fail } from './lib/authn-error.js';
import type { RequestContext } from './lib/request-context.js';
import { redirect } from './lib/send-response.js';

type Handler = (ctx: RequestContext) => Promise<void>;

const toUserPage: Handler = async (ctx) => redirect(ctx.res, '/.pomerium/');

const ANY_HOST: Record<string, Handler> = {
  '/healthz': handleHealth,
  '/ping': handleHealth,
};

const OUR_HOSTS: Record<string, Handler> = {
  '/robots.txt': handleRobots,
  '/.well-known/pomerium': handleWellKnown,
  '/.well-known/pomerium/': handleWellKnown,
  '/.well-known/pomerium/jwks.json': handleJwks,
  '/.well-known/pomerium/hpke-public-key': handleHpkePublicKey,
  '/.pomerium': toUserPage,
  '/.pomerium/': handleUserInfoPage,
  '/.pomerium/user': handleUserJson,
  '/.pomerium/device-enrolled': handleDeviceEnrolled,
};

const AUTHENTICATE_HOST: Record<string, Handler> = {
  ...OUR_HOSTS,
  '/': toUserPage,
  '/oauth2/callback': handleOAuthCallback,
  '/.pomerium/sign_in': handleSignIn,
  '/.pomerium/sign_out': handleAuthenticateSignOut,
  '/.pomerium/signed_out': handleSignedOut,
  '/.pomerium/backchannel_logout': handleBackchannelLogout,
};

const ROUTE_HOST: Record<string, Handler> = {
  ...OUR_HOSTS,
  '/.pomerium/callback/': handleRouteCallback,
  '/.pomerium/callback': handleRouteCallback,
  '/.pomerium/sign_out': handleRouteSignOut,
  '/.pomerium/sign_in': handleRouteSignIn,
  '/.pomerium/api/v1/login': handleProgrammaticLogin,
  '/.pomerium/mcp/authorize': handleMcpAuthorize,
  '/.pomerium/mcp/token': handleMcpToken,
  '/.pomerium/mcp/register': handleMcpRegister,
  '/.pomerium/mcp/revoke': handleMcpRevoke,
};

export function routeRequest(ctx: RequestContext): Promise<void> {
  const path = ctx.url.pathname;
  const table =
    ctx.hostname === ctx.state.authenticateHost
      ? AUTHENTICATE_HOST
      : ctx.state.isRouteHost(ctx.hostname)
        ? ROUTE_HOST
        : {};
  if (path.startsWith(ASSET_PREFIX)) return handleAsset(ctx);
  if (path.startsWith(ACME_CHALLENGE_PATH)) return handleAcmeChallenge(ctx);
  const handler =
    (Object.hasOwn(ANY_HOST, path) ? ANY_HOST[path] : undefined) ??
    (Object.hasOwn(table, path) ? table[path] : undefined);
  if (!handler) return Promise.reject(fail('AUTHN_NOT_FOUND', 'not found'));
  return handler(ctx);
}
