// The user info page `/.pomerium/` (who you are, groups, claims, session expiry, sign-out; never
// IdP tokens) and `/.pomerium/user` JSON (docs/pomerium-behaviour.md §5). Route hosts read `_pomerium` (or the
// token headers), the authenticate host reads `_pomerium_authenticate`.

import { ASSERTION_CLAIMS, signUrl, themeOf, verifySignedUrl } from '../wire/index.js';
import { fail } from './lib/authn-error.js';
import { checkRedirectTarget } from './lib/check-redirect-target.js';
import { readCookie, serializeCookie } from './lib/cookies.js';
import {
  type LoadedSession,
  loadSession,
  readAuthenticateHandle,
  readRouteHandle,
} from './lib/load-session.js';
import { isOwnHost } from './lib/read-login-target.js';
import { escapeHtml, renderPage } from './lib/render-page.js';
import type { RequestContext } from './lib/request-context.js';
import { redirect, sendHtml, sendJson } from './lib/send-response.js';

function isAuthenticateHost(ctx: RequestContext): boolean {
  return ctx.hostname === ctx.state.authenticateHost;
}

function load(ctx: RequestContext): Promise<LoadedSession | null> {
  return loadSession(
    ctx,
    isAuthenticateHost(ctx) ? readAuthenticateHandle(ctx) : readRouteHandle(ctx),
  );
}

function claimText(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

function fmt(ms: number): string {
  return ms ? new Date(ms).toISOString() : '—';
}

export async function handleUserInfoPage(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'GET') throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET');
  const auth = isAuthenticateHost(ctx);
  if (auth && ctx.url.searchParams.has('pomerium_redirect_uri')) {
    const verified = verifySignedUrl(ctx.url, ctx.state.keys.urlKey, ctx.now);
    if (!verified.ok) throw fail(verified.code, 'the link is not valid');
    const back = checkRedirectTarget(verified.url.searchParams.get('pomerium_redirect_uri'), (u) =>
      isOwnHost(ctx, u),
    );
    return redirect(ctx.res, '/.pomerium/', {
      cookies: [
        serializeCookie(
          ctx.state.cookieNames.back,
          Buffer.from(back.toString()).toString('base64url'),
          { ...ctx.state.hostCookieBase, maxAge: 3600 },
        ),
      ],
    });
  }
  const loaded = await load(ctx);
  const parts: string[] = [];
  if (!loaded) {
    parts.push('<p class="lead" id="not-signed-in">You are not signed in here.</p>');
  } else {
    const { session, user } = loaded;
    const rows: [string, string][] = [
      ['User', session.user_id],
      ['Email', user?.email ?? ''],
      ['Name', user?.name ?? ''],
      ['Groups', session.groups.join(', ')],
      ['Session', session.id],
      ['Signed in', fmt(session.issued_at)],
      ['Session expires', fmt(session.expires_at)],
    ];
    parts.push(
      `<p class="lead">Signed in as <strong id="who">${escapeHtml(user?.email || session.user_id)}</strong></p>`,
      '<h2>Identity and session</h2>',
      `<table>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
      '<h2>Devices</h2><p class="muted">No device is registered (Portcullis does not enroll devices).</p>',
      '<h2>Claims</h2>',
      `<table>${Object.entries(session.claims)
        .map(
          ([k, v]) =>
            `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(claimText(v))}</td></tr>`,
        )
        .join('')}</table>`,
    );
    const action = auth
      ? signUrl(
          new URL('/.pomerium/sign_out', ctx.state.authenticateUrl),
          ctx.state.keys.urlKey,
          ctx.now,
        )
      : '/.pomerium/sign_out';
    parts.push(
      `<form method="post" action="${escapeHtml(action)}"><ul class="actions"><li><button class="button" id="sign-out" type="submit">Sign out</button></li>${
        auth
          ? ''
          : '<li><a class="button secondary" href="/.pomerium/routes">Your applications</a></li>'
      }</ul></form>`,
    );
    parts.splice(1, 0, parts.pop()!); // the actions right under who you are
  }
  const backRaw = auth ? readCookie(ctx, ctx.state.cookieNames.back) : undefined;
  if (backRaw) {
    try {
      const back = checkRedirectTarget(Buffer.from(backRaw, 'base64url').toString('utf8'), (u) =>
        isOwnHost(ctx, u),
      );
      parts.push(
        `<p><a id="back" href="${escapeHtml(back.toString())}">Back to the application</a></p>`,
      );
    } catch {
      // an unusable back link is simply not shown
    }
  }
  sendHtml(ctx.res, 200, renderPage('User details', parts.join('\n'), themeOf(ctx.state.config)));
}

export async function handleUserJson(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'GET') throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET');
  const loaded = await load(ctx);
  if (!loaded) throw fail('AUTHN_UNAUTHENTICATED', 'sign-in required');
  const { session, user } = loaded;
  const nameClaim = session.claims.name;
  const body: Record<string, unknown> = {
    sub: session.user_id,
    user: session.user_id,
    email: user?.email ?? '',
    groups: [...session.groups],
    sid: session.id,
    name: nameClaim ? nameClaim.map(String).join(',') : (user?.name ?? ''),
  };
  for (const claim of Object.values(ctx.state.config.jwt_claims_headers)) {
    if (ASSERTION_CLAIMS.has(claim)) continue;
    const values = session.claims[claim] ?? user?.claims[claim];
    body[claim] = values ? values.map(String).join(',') : '';
  }
  sendJson(ctx.res, 200, body);
}
