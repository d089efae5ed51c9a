// What an HTML denial page shows besides the decision (wire/pages/render-denial.ts): the host
// and path asked for, who is signed in, and the branding of this config.
import { themeOf } from '../../wire/index.js';
import type { DenialPageContext } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';

export function denialPageContext(ctx: CheckContext): DenialPageContext {
  const identity = ctx.resolved?.identity;
  return {
    host: ctx.req.http.host,
    path: ctx.req.http.path,
    who: identity ? identity.email || identity.userId : null,
    theme: themeOf(ctx.state.config),
  };
}
