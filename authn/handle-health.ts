// Liveness and crawler endpoints: /healthz, /ping (200 on every host) and /robots.txt.
import type { RequestContext } from './lib/request-context.js';
import { sendText } from './lib/send-response.js';

export async function handleHealth(ctx: RequestContext): Promise<void> {
  sendText(ctx.res, 200, 'OK');
}

export async function handleRobots(ctx: RequestContext): Promise<void> {
  sendText(ctx.res, 200, 'User-agent: *\nDisallow: /');
}
