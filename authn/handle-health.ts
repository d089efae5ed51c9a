// Readiness and crawler endpoints: /healthz, /ping (200, or 503 naming why the process is not
// ready, e.g. Envoy rejected its configuration; 200 with a DEGRADED line when ready but something
// needs attention, e.g. an autocert renewal failed) and /robots.txt.
import type { RequestContext } from './lib/request-context.js';
import { sendText } from './lib/send-response.js';

export async function handleHealth(ctx: RequestContext): Promise<void> {
  const problem = ctx.deps.unhealthy;
  if (problem !== null) sendText(ctx.res, 503, `NOT READY: ${problem}`);
  else if (ctx.deps.degraded !== null) sendText(ctx.res, 200, `OK\nDEGRADED: ${ctx.deps.degraded}`);
  else sendText(ctx.res, 200, 'OK');
}

export async function handleRobots(ctx: RequestContext): Promise<void> {
  sendText(ctx.res, 200, 'User-agent: *\nDisallow: /');
}
