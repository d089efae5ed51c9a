// Browser detection (docs/pomerium-behaviour.md §3.6) for the policy engine: the rule itself is
// a wire rule shared with authn (wire/classify-request.ts).
import { wantsLoginRedirect as wireWantsLoginRedirect } from '../../wire/index.js';
import type { PolicyRequest } from './types.js';

/** True when a login-required answer should be a 302 to sign-in, false for a 401. */
export function wantsLoginRedirect(request: PolicyRequest): boolean {
  return wireWantsLoginRedirect(request.headers, request.rawQuery);
}
