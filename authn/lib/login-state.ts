// The OAuth `state`: the post-IdP target travels encrypted and authenticated (AES-256-GCM with a
// key from cookie_secret), bound to this browser by the `_pomerium_csrf` cookie; the PKCE
// verifier and nonce sit in a one-time cookie named after the state (reference §3.3 step 3).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomNonce, randomPKCECodeVerifier } from 'openid-client';
import { z } from 'zod';
import { openPayload, sealPayload } from '../../config/index.js';
import { fail } from './authn-error.js';
import { serializeCookie } from './cookies.js';
import type { RequestContext } from './request-context.js';

export const CSRF_COOKIE = '_pomerium_csrf';
const PKCE_COOKIE_PREFIX = '_pomerium_pkce_';
/** How long a login may spend at the IdP before it restarts. */
export const STATE_TTL_MS = 30 * 60_000;
const CSRF_TTL_S = 12 * 3600;

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
const pkceSchema = z.strictObject({ v: z.string(), n: z.string() });

function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('base64url').slice(0, 22);
}

function csrfMac(ctx: RequestContext, token: string): string {
  return createHmac('sha256', ctx.state.keys.csrfKey).update(token).digest('base64url');
}

/** The browser's CSRF token from its cookie if the cookie is authentic, else undefined. */
function readCsrf(ctx: RequestContext): string | undefined {
  const raw = ctx.cookies.get(CSRF_COOKIE);
  const [token, mac] = raw?.split('.') ?? [];
  if (!token || !mac) return undefined;
  const want = Buffer.from(csrfMac(ctx, token));
  const got = Buffer.from(mac);
  return got.length === want.length && timingSafeEqual(got, want) ? token : undefined;
}

function loginCookieOptions(ctx: RequestContext, formPost: boolean, path: string, maxAge: number) {
  const base = ctx.state.cookieBase;
  // A form_post callback is a cross-site POST: only SameSite=None cookies come along.
  return {
    ...base,
    domain: undefined,
    httpOnly: true,
    sameSite: formPost ? ('none' as const) : base.sameSite,
    secure: formPost ? true : base.secure,
    path,
    maxAge,
  };
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
  let csrf = readCsrf(ctx);
  if (!csrf) {
    csrf = randomBytes(32).toString('base64url');
    ctx.setCookies.push(
      serializeCookie(
        CSRF_COOKIE,
        `${csrf}.${csrfMac(ctx, csrf)}`,
        loginCookieOptions(ctx, formPost, '/', CSRF_TTL_S),
      ),
    );
  }
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
      `${PKCE_COOKIE_PREFIX}${hash}`,
      sealPayload(
        ctx.state.keys.stateKey,
        JSON.stringify({ v: codeVerifier, n: nonce }),
        `pkce:${hash}`,
      ),
      loginCookieOptions(ctx, formPost, '/oauth2/callback', STATE_TTL_MS / 1000),
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
 * (AUTHN_CSRF_MISMATCH), not too old (→ stale: the caller restarts the login), first use
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
  const cookieName = `${PKCE_COOKIE_PREFIX}${hash}`;
  const sealed = ctx.cookies.get(cookieName);
  ctx.setCookies.push(
    serializeCookie(cookieName, '', loginCookieOptions(ctx, formPost, '/oauth2/callback', 0)),
  );
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
