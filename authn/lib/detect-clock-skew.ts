// Clock skew between authorize (which signs the sign-in link with its clock) and authenticate
// (which checks it with its own), docs/clock-skew.md. Signed links carry `pomerium_issued` and
// `pomerium_expiry` and are accepted with SIGNED_URL_LEEWAY_MS on both ends. Beyond that:
// - authenticate behind: the link is "not yet valid" — a clear page and a warn log naming both
//   clocks at once;
// - authenticate ahead: the link looks expired, which also happens to a slow login, so the
//   login restarts (handle-sign-in.ts); a cookie counts restarts, and the third within two
//   minutes stops the loop with the same page instead of bouncing the browser.
import { PortcullisError } from '../../errors/index.js';
import { cookieValues, SIGNED_URL_LEEWAY_MS } from '../../wire/index.js';
import { serializeCookie } from './cookies.js';
import type { RequestContext } from './request-context.js';

export const RESTART_COOKIE = '_pomerium_login_restarts';
/** Restarts of one browser's login allowed in RESTART_WINDOW_S before it is called a loop. */
export const MAX_RESTARTS = 2;
export const RESTART_WINDOW_S = 120;

function restarts(ctx: RequestContext): number {
  const n = Number(cookieValues(ctx.cookies, RESTART_COOKIE)[0] ?? '0');
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function setRestarts(ctx: RequestContext, n: number): void {
  ctx.setCookies.push(
    serializeCookie(RESTART_COOKIE, String(n), {
      ...ctx.state.cookieBase,
      maxAge: n === 0 ? 0 : RESTART_WINDOW_S,
    }),
  );
}

/** Counts one restart; false when the login is looping (the caller shows the skew page). */
export function allowRestart(ctx: RequestContext): boolean {
  const n = restarts(ctx);
  if (n >= MAX_RESTARTS) return false;
  setRestarts(ctx, n + 1);
  return true;
}

/** A link that verified ends the count. */
export function loginProgressed(ctx: RequestContext): void {
  if (cookieValues(ctx.cookies, RESTART_COOKIE).length > 0) setRestarts(ctx, 0);
}

/** The error page (and warn log) for a skew, naming both clocks. */
export function clockSkewError(ctx: RequestContext, how: 'ahead' | 'behind'): PortcullisError {
  const issuedS = Number(ctx.url.searchParams.get('pomerium_issued'));
  const issued = Number.isFinite(issuedS) && issuedS > 0 ? issuedS * 1000 : undefined;
  const skewS = issued === undefined ? undefined : Math.round((ctx.now - issued) / 1000);
  const clocks = {
    authorize_clock: issued === undefined ? undefined : new Date(issued).toISOString(),
    authenticate_clock: new Date(ctx.now).toISOString(),
    leeway_s: SIGNED_URL_LEEWAY_MS / 1000,
  };
  ctx.log.warn(
    { code: 'CLOCK_SKEW', ...clocks, skew_s: skewS, direction: how },
    `clock skew: authenticate's clock looks ${how === 'ahead' ? 'ahead of' : 'behind'} authorize's by more than the ${clocks.leeway_s} s leeway; sync the clocks (NTP)`,
  );
  const detail =
    how === 'ahead'
      ? `The sign-in link was issued at ${clocks.authorize_clock ?? 'an unknown time'} by the authorization service's clock, and had expired by the authentication service's clock (${clocks.authenticate_clock}); the login was restarted ${MAX_RESTARTS} times and stopped to avoid a redirect loop.`
      : `The sign-in link was issued at ${clocks.authorize_clock ?? 'an unknown time'} by the authorization service's clock, which is later than the authentication service's clock (${clocks.authenticate_clock}).`;
  return new PortcullisError(
    'CLOCK_SKEW',
    `The clocks of this service's servers disagree by more than ${clocks.leeway_s} seconds, so sign-in cannot complete. ${detail} An administrator must synchronise the clocks (NTP).`,
  );
}
