// Session criteria (docs/pomerium-behaviour.md §1.5): without a session they give `user-unauthenticated`, with one
// `<x>-ok` when the test holds and `<x>-unauthorized` otherwise.
import type { PolicyIdentity, PolicyRequest } from '../types.js';
import type { Criterion } from './criterion.js';
import { type Reason, reasonIndex } from './reasons.js';

const UNAUTHENTICATED = reasonIndex('user-unauthenticated');

export interface SessionCriterionSpec {
  readonly key: string;
  readonly ok: Reason;
  readonly fail: Reason;
  readonly wanted: string;
  readonly wantedNot: string;
  readonly test: (id: PolicyIdentity) => boolean;
  /** What the signed-in user had, e.g. "your email is `b@x`". */
  readonly got: (id: PolicyIdentity) => string;
}

export function sessionCriterion(spec: SessionCriterionSpec): Criterion {
  const ok = reasonIndex(spec.ok);
  const fail = reasonIndex(spec.fail);
  const pred = spec.test;
  const got = spec.got;
  return {
    key: spec.key,
    wanted: spec.wanted,
    wantedNot: spec.wantedNot,
    test: (_req, id) => (id === null ? UNAUTHENTICATED : pred(id) ? ok : fail),
    got: (_req, id) => (id === null ? 'you are not signed in' : got(id)),
  };
}

/** A request criterion from a predicate over the request (never `user-unauthenticated`). */
export function requestCriterion(
  key: string,
  ok: Reason,
  fail: Reason,
  words: { wanted: string; wantedNot: string },
  pred: (req: PolicyRequest, id: PolicyIdentity | null, now: number) => boolean,
  got: Criterion['got'],
): Criterion {
  const okI = reasonIndex(ok);
  const failI = reasonIndex(fail);
  return {
    key,
    wanted: words.wanted,
    wantedNot: words.wantedNot,
    test: (req, id, now) => (pred(req, id, now) ? okI : failI),
    got,
  };
}
