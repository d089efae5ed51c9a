// ACME HTTP-01 answers (RFC 8555 §8.3, docs/acme.md): GET /.well-known/acme-challenge/TOKEN on
// any host, routed here by Envoy's plain-HTTP listener without authz, answers the key
// authorization the ordering replica stored in the databroker; anything else is 404.
import type { RequestContext } from './lib/request-context.js';
import { sendText } from './lib/send-response.js';

export const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';

const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export async function handleAcmeChallenge(ctx: RequestContext): Promise<void> {
  const token = ctx.url.pathname.slice(ACME_CHALLENGE_PATH.length);
  const found =
    (ctx.method === 'GET' || ctx.method === 'HEAD') && TOKEN.test(token)
      ? await ctx.deps.store.get('acme_challenge', token)
      : null;
  if (found?.data == null) {
    sendText(ctx.res, 404, 'not found');
    return;
  }
  sendText(ctx.res, 200, found.data.key_authorization);
}
