// /.well-known/pomerium and its JWKS (docs/pomerium-behaviour.md §4.2, §5): public, CORS allow-all, the JWKS
// cacheable for 60 s with an ETag.
import type { RequestContext } from './lib/request-context.js';
import { send, sendJson } from './lib/send-response.js';

const CORS = { 'access-control-allow-origin': '*' };

export async function handleWellKnown(ctx: RequestContext): Promise<void> {
  const origin = ctx.url.origin;
  sendJson(
    ctx.res,
    200,
    {
      issuer: `${origin}/`,
      authentication_callback_endpoint: new URL(
        '/oauth2/callback',
        ctx.state.authenticateUrl,
      ).toString(),
      jwks_uri: `${origin}/.well-known/pomerium/jwks.json`,
      frontchannel_logout_uri: `${origin}/.pomerium/sign_out`,
    },
    { headers: CORS },
  );
}

export async function handleJwks(ctx: RequestContext): Promise<void> {
  const { body, etag } = ctx.state.jwks;
  const headers = { ...CORS, etag, 'cache-control': 'public, max-age=60' };
  if (ctx.req.headers['if-none-match'] === etag) {
    ctx.res.writeHead(304, headers);
    ctx.res.end();
    return;
  }
  send(ctx.res, 200, 'application/json', body, { headers });
}
