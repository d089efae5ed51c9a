// The decision order of reference §1.3: client certificate reasons on the deny side → 495; any
// `user-unauthenticated` → login (302 browser / 401 API); deny rule true → denied; allow true →
// allowed; else denied with the allow reasons. Allow and login decisions are shared, frozen.
import type { PolicyDecision, PolicyFailure, PolicyStatus } from '../types.js';
import { reasonBit, reasonList } from './reasons.js';

const CERT = reasonBit('client-certificate-required') | reasonBit('invalid-client-certificate');
const UNAUTHENTICATED = reasonBit('user-unauthenticated');
const LOGIN_REASONS: readonly string[] = Object.freeze(['user-unauthenticated']);
const NO_FAILURES: readonly PolicyFailure[] = Object.freeze([]);

export interface Merged {
  readonly allow: boolean;
  readonly allowMask: number;
  readonly deny: boolean;
  readonly denyMask: number;
}

/** What the decision needs from the request, asked only on the paths that need it. */
export interface DecideHooks {
  /** Browser (302) or API client (401). */
  wantsRedirect(): boolean;
  /** The failing criteria of the deny side (`true`) or the allow side (`false`). */
  failures(denySide: boolean): readonly PolicyFailure[];
  /** The route has no policy at all. */
  readonly empty: boolean;
}

const shared = new Map<string, PolicyDecision>();

function cached(key: string, build: () => PolicyDecision): PolicyDecision {
  let d = shared.get(key);
  if (d === undefined) {
    d = Object.freeze(build());
    if (shared.size < 8192) shared.set(key, d);
  }
  return d;
}

function base(m: Merged) {
  return {
    allowReasons: reasonList(m.allowMask),
    denyReasons: reasonList(m.denyMask),
    allow: m.allow,
    deny: m.deny,
  };
}

function denied(m: Merged, denySide: boolean, hooks: DecideHooks): PolicyDecision {
  const mask = denySide ? m.denyMask : m.allowMask;
  const status: PolicyStatus = (mask & CERT) !== 0 ? 495 : 403;
  const failures = hooks.failures(denySide);
  let explanation: string;
  if (!denySide && hooks.empty) explanation = 'this route has no policy, so nobody may pass';
  else {
    const sentence = failures
      .map((f) => (f.got === '' ? f.wanted : `${f.wanted} (${f.got})`))
      .join('; ');
    explanation = denySide ? `a deny rule matched: ${sentence}` : sentence || 'access denied';
  }
  return Object.freeze({
    outcome: 'deny',
    status,
    reasons: reasonList(mask),
    ...base(m),
    failures: Object.freeze(failures),
    explanation,
  });
}

/** Turns merged allow/deny results into the decision. */
export function decide(m: Merged, hooks: DecideHooks): PolicyDecision {
  if ((m.denyMask & CERT) !== 0) return denied(m, true, hooks);
  if (((m.allowMask | m.denyMask) & UNAUTHENTICATED) !== 0) {
    const status = hooks.wantsRedirect() ? 302 : 401;
    return cached(`l${status},${m.allowMask},${m.denyMask},${+m.allow},${+m.deny}`, () => ({
      outcome: 'login',
      status,
      reasons: LOGIN_REASONS,
      ...base(m),
      failures: NO_FAILURES,
      explanation: 'you must sign in first',
    }));
  }
  if (m.deny) return denied(m, true, hooks);
  if (m.allow) {
    return cached(`a${m.allowMask},${m.denyMask}`, () => ({
      outcome: 'allow',
      status: 200,
      reasons: reasonList(m.allowMask),
      ...base(m),
      failures: NO_FAILURES,
      explanation: `allowed (${reasonList(m.allowMask).join(', ')})`,
    }));
  }
  return denied(m, false, hooks);
}
