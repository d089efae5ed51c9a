// The OAuth `state` (docs/pomerium-behaviour.md §3.3 step 3): the post-IdP target travels
// encrypted and authenticated (AES-256-GCM with a key from cookie_secret), bound to this browser
// by the CSRF cookie; the PKCE verifier and nonce sit in a one-time cookie named after the
// state. Both cookies are `__Host-` when Secure and live 15 minutes; a login may spend 10
// minutes at the IdP; at most MAX_LOGIN_FLOWS flows per browser (the oldest is evicted).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomNonce, randomPKCECodeVerifier } from 'openid-client';
import { z } from 'zod';
import { openPayload, sealPayload } from '../../wire/index.js';
import { fail } from './authn-error.js';
import { readCookie, serializeCookie } from './cookies.js';
import type { RequestContext } from './request-context.js';

/** How long a login may spend at the IdP; older → AUTHN_LOGIN_EXPIRED (400 page, no loop). */
export const STATE_TTL_MS = 10 * 60_000;
/** Lifetime of the CSRF and PKCE cookies (≥ STATE_TTL_MS so an expired login is recognised). */
export const LOGIN_COOKIE_TTL_S = 15 * 60;
/** Concurrent login flows per browser; starting one more evicts the oldest. */
export const MAX_LOGIN_FLOWS = 3;

/** Where a login goes once the IdP is done. Checked before it is sealed. */
export const loginTargetSchema = z.strictObject({
  redirectUri: z.string(),
  idpId: z.string(),
  additionalHosts: z.array(z.string()).max(5),
  callbackUri: z.string().optional(),
  programmatic: z.boolean(),
});
export type LoginTarget = z.infer<typeof loginTargetSchema>;

const stateSchema = z.strictObject({ c: z.string(), t: z.number(), g: loginTargetSchema });
const pkceSchema = z.strictObject({ v: z.string(), n: z.string(), t: z.number() });

function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('base64url').slice(0, 22);
}

function csrfMac(ctx: RequestContext, token: string): string {
  return createHmac('sha256', ctx.state.keys.csrfKey).update(token).digest('base64url');
}

/** The browser's CSRF token from its cookie if the cookie is authentic, else undefined. */
function readCsrf(ctx: RequestContext): string | undefined {
  const raw = readCookie(ctx, ctx.state.cookieNames.csrf);
  const [token, mac] = raw?.split('.') ?? [];
  if (!token || !mac) return undefined;
  const want = Buffer.from(csrfMac(ctx, token));
  const got = Buffer.from(mac);
  return got.length === want.length && timingSafeEqual(got, want) ? token : undefined;
}

function loginCookieOptions(ctx: RequestContext, formPost: boolean, maxAge: number) {
  const base = ctx.state.hostCookieBase;
  // A form_post callback is a cross-site POST: only SameSite=None cookies come along.
  return {
    ...base,
    sameSite: formPost ? ('none' as const) : base.sameSite,
    secure: formPost ? true : base.secure,
    maxAge,
  };
}

/**
 * Clearing Set-Cookies for the oldest login flows so that, with the one being started, at most
 * MAX_LOGIN_FLOWS remain (each flow's cookie is ~200 bytes; unbounded, they end in 431s).
 * A cookie that does not open counts as the oldest.
 */
function evictOldFlows(ctx: RequestContext, formPost: boolean): string[] {
  const prefix = ctx.state.cookieNames.pkcePrefix;
  const flows: { name: string; t: number }[] = [];
  for (const c of ctx.cookies) {
    if (!c.name.startsWith(prefix) || flows.some((f) => f.name === c.name)) continue;
    let t = Number.NEGATIVE_INFINITY;
    try {
      const hash = c.name.slice(prefix.length);
      t = pkceSchema.parse(
        JSON.parse(openPayload(ctx.state.keys.stateKey, c.value, `pkce:${hash}`)),
      ).t;
    } catch {
      // unreadable: evicted first
    }
    flows.push({ name: c.name, t });
  }
  if (flows.length < MAX_LOGIN_FLOWS) return [];
  flows.sort((a, b) => a.t - b.t);
  return flows
    .slice(0, flows.length - MAX_LOGIN_FLOWS + 1)
    .map((f) => serializeCookie(f.name, '', loginCookieOptions(ctx, formPost, 0)));
}

export interface StartedLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** Creates state, nonce and PKCE verifier; queues the CSRF and PKCE cookies on `ctx`. */
export function startLogin(
  ctx: RequestContext,
  target: LoginTarget,
  formPost: boolean,
): StartedLogin {
  // the CSRF token is kept across flows but its cookie is re-issued: it outlives this flow
  const csrf = readCsrf(ctx) ?? randomBytes(32).toString('base64url');
  ctx.setCookies.push(
    serializeCookie(
      ctx.state.cookieNames.csrf,
      `${csrf}.${csrfMac(ctx, csrf)}`,
      loginCookieOptions(ctx, formPost, LOGIN_COOKIE_TTL_S),
    ),
    ...evictOldFlows(ctx, formPost),
  );
  const state = sealPayload(
    ctx.state.keys.stateKey,
    JSON.stringify({ c: csrf, t: ctx.now, g: target }),
    'oauth-state',
  );
  const nonce = randomNonce();
  const codeVerifier = randomPKCECodeVerifier();
  const hash = stateHash(state);
  ctx.setCookies.push(
    serializeCookie(
      `${ctx.state.cookieNames.pkcePrefix}${hash}`,
      sealPayload(
        ctx.state.keys.stateKey,
        JSON.stringify({ v: codeVerifier, n: nonce, t: ctx.now }),
        `pkce:${hash}`,
      ),
      loginCookieOptions(ctx, formPost, LOGIN_COOKIE_TTL_S),
    ),
  );
  return { state, nonce, codeVerifier };
}

export type FinishedState =
  | {
      readonly stale: false;
      readonly target: LoginTarget;
      readonly nonce: string;
      readonly codeVerifier: string;
    }
  | { readonly stale: true; readonly target: LoginTarget };

/**
 * Checks a callback's `state`: authentic (AUTHN_STATE_INVALID), this browser's
 * (AUTHN_CSRF_MISMATCH), not too old (→ stale: the caller shows the "start again" page), first use
 * (AUTHN_LOGIN_REPLAYED). Queues the clearing of the one-time PKCE cookie.
 */
export function finishLogin(
  ctx: RequestContext,
  state: string | null,
  formPost: boolean,
): FinishedState {
  if (!state) throw fail('AUTHN_STATE_INVALID', 'missing state');
  let payload: z.infer<typeof stateSchema>;
  try {
    payload = stateSchema.parse(
      JSON.parse(openPayload(ctx.state.keys.stateKey, state, 'oauth-state')),
    );
  } catch {
    throw fail('AUTHN_STATE_INVALID', 'state does not authenticate');
  }
  const csrf = readCsrf(ctx);
  const mine = Buffer.from(csrf ?? '');
  const theirs = Buffer.from(payload.c);
  if (!csrf || mine.length !== theirs.length || !timingSafeEqual(mine, theirs)) {
    throw fail('AUTHN_CSRF_MISMATCH', 'state was issued to another browser');
  }
  const hash = stateHash(state);
  const cookieName = `${ctx.state.cookieNames.pkcePrefix}${hash}`;
  const sealed = readCookie(ctx, cookieName);
  ctx.setCookies.push(serializeCookie(cookieName, '', loginCookieOptions(ctx, formPost, 0)));
  if (ctx.now - payload.t > STATE_TTL_MS || payload.t > ctx.now + 60_000) {
    return { stale: true, target: payload.g };
  }
  const used = ctx.deps.usedStates;
  if (!sealed || used.has(hash)) throw fail('AUTHN_LOGIN_REPLAYED', 'this login already completed');
  let pkce: z.infer<typeof pkceSchema>;
  try {
    pkce = pkceSchema.parse(
      JSON.parse(openPayload(ctx.state.keys.stateKey, sealed, `pkce:${hash}`)),
    );
  } catch {
    throw fail('AUTHN_STATE_INVALID', 'login cookie does not authenticate');
  }
  if (used.size > 10_000) {
    for (const [k, exp] of used) if (exp < ctx.now) used.delete(k);
  }
  used.set(hash, ctx.now + STATE_TTL_MS);
  return { stale: false, target: payload.g, nonce: pkce.n, codeVerifier: pkce.v };
}
