// The decision order of docs/pomerium-behaviour.md §1.3: client certificate reasons on the deny side → 495; any
// `user-unauthenticated` → login (302 browser / 401 API); deny rule true → denied; allow true →
// allowed; else denied with the allow reasons. Allow and login decisions are shared and frozen,
// so the allowed path allocates nothing.
import type { PolicyDecision, PolicyFailure, PolicyStatus } from '../types.js';
import { reasonBit, reasonList2 } from './reasons.js';

const CERT = reasonBit('client-certificate-required') | reasonBit('invalid-client-certificate');
const UNAUTHENTICATED = reasonBit('user-unauthenticated');
const LOGIN_REASONS: readonly string[] = Object.freeze(['user-unauthenticated']);
const NO_FAILURES: readonly PolicyFailure[] = Object.freeze([]);
const TRUE = 2147483648;

/** What a denial needs from its policy: the failing criteria of one side. */
export interface Explainer {
  /** The route has no policy at all. */
  readonly empty: boolean;
  /** The route has no allow rule (so nothing can be allowed). */
  readonly noAllow: boolean;
  /** The failing criteria of the deny side (`true`) or the allow side (`false`). */
  failures(denySide: boolean): PolicyFailure[];
}

/** Shared decisions by allow mask → deny mask → flags (allow, deny, login, redirect). */
const shared = new Map<number, Map<number, (PolicyDecision | undefined)[]>>();
let sharedCount = 0;

function sharedDecision(aM: number, dM: number, flags: number, build: () => PolicyDecision) {
  let byDeny = shared.get(aM);
  if (byDeny === undefined) {
    byDeny = new Map();
    shared.set(aM, byDeny);
  }
  let slots = byDeny.get(dM);
  if (slots === undefined) {
    slots = [];
    byDeny.set(dM, slots);
  }
  let d = slots[flags];
  if (d === undefined) {
    d = Object.freeze(build());
    if (sharedCount++ < 8192) slots[flags] = d;
  }
  return d;
}

/** Shared when only the first reason word is set (the usual case), else built fresh. */
function share(
  aM: number,
  dM: number,
  aH: number,
  dH: number,
  flags: number,
  build: () => PolicyDecision,
): PolicyDecision {
  return (aH | dH) === 0 ? sharedDecision(aM, dM, flags, build) : Object.freeze(build());
}

function denied(
  aP: number,
  dP: number,
  denySide: boolean,
  x: Explainer,
  aH: number,
  dH: number,
): PolicyDecision {
  const mask = (denySide ? dP : aP) | 0;
  const status: PolicyStatus = (mask & CERT) !== 0 ? 495 : 403;
  const failures = x.failures(denySide);
  const sentence = failures.map((f) => (f.got === '' ? f.wanted : `${f.wanted} (${f.got})`));
  const explanation =
    !denySide && x.noAllow
      ? x.empty
        ? 'this route has no policy, so nobody may pass'
        : 'this route has no allow rule, so nobody may pass'
      : denySide
        ? `a deny rule matched: ${sentence.join('; ')}`
        : sentence.join('; ') || 'access denied';
  return Object.freeze({
    outcome: 'deny',
    status,
    reasons: reasonList2(mask, denySide ? dH : aH),
    allowReasons: reasonList2(aP | 0, aH),
    denyReasons: reasonList2(dP | 0, dH),
    allow: aP >= TRUE,
    deny: dP >= TRUE,
    failures: Object.freeze(failures),
    explanation,
  });
}

/**
 * Turns the packed allow and deny results (value ≥ 2^31, mask = low 32 bits) into the decision.
 * `wantsRedirect` is asked only when a login is needed. `aH`/`dH` are the second reason words
 * (reasons.ts): decisions that carry one are built fresh instead of shared.
 */
export function decide(
  aP: number,
  dP: number,
  x: Explainer,
  wantsRedirect: () => boolean,
  aH = 0,
  dH = 0,
): PolicyDecision {
  const aM = aP | 0;
  const dM = dP | 0;
  const allow = aP >= TRUE;
  const deny = dP >= TRUE;
  if ((dM & CERT) !== 0) return denied(aP, dP, true, x, aH, dH);
  const base = (allow ? 1 : 0) | (deny ? 2 : 0);
  if (((aM | dM) & UNAUTHENTICATED) !== 0) {
    const status = wantsRedirect() ? 302 : 401;
    return share(aM, dM, aH, dH, base | (status === 302 ? 12 : 4), () => ({
      outcome: 'login',
      status,
      reasons: LOGIN_REASONS,
      allowReasons: reasonList2(aM, aH),
      denyReasons: reasonList2(dM, dH),
      allow,
      deny,
      failures: NO_FAILURES,
      explanation: 'you must sign in first',
    }));
  }
  if (deny) return denied(aP, dP, true, x, aH, dH);
  if (allow) {
    return share(aM, dM, aH, dH, base, () => ({
      outcome: 'allow',
      status: 200,
      reasons: reasonList2(aM, aH),
      allowReasons: reasonList2(aM, aH),
      denyReasons: reasonList2(dM, dH),
      allow,
      deny,
      failures: NO_FAILURES,
      explanation: `allowed (${reasonList2(aM, aH).join(', ')})`,
    }));
  }
  return denied(aP, dP, false, x, aH, dH);
}
