// `/.pomerium/assets/portcullis-<hash>.css` on any host (docs/pages.md): the one stylesheet of
// every page, cached for a year under its content hash; any other name is 404.
import { FAVICON_PATH, FAVICON_SVG, themeOf } from '../wire/index.js';
import { fail } from './lib/authn-error.js';
import type { RequestContext } from './lib/request-context.js';
import { send } from './lib/send-response.js';

export async function handleAsset(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET');
  }
  if (ctx.url.pathname === FAVICON_PATH) {
    send(ctx.res, 200, 'image/svg+xml', FAVICON_SVG, {
      headers: { 'cache-control': 'public, max-age=86400' },
    });
    return;
  }
  const theme = themeOf(ctx.state.config);
  if (ctx.url.pathname !== theme.cssPath) throw fail('AUTHN_NOT_FOUND', 'not found');
  send(ctx.res, 200, 'text/css; charset=utf-8', theme.css, {
    headers: { 'cache-control': 'public, max-age=31536000, immutable' },
  });
}
