// The decision core both front doors call: the ext_authz Check (grpc/serve-check.ts) and
// forward-auth (forward-auth/). It reads the request, runs the Check pipeline (check.ts) with the
// fail-closed wrapper (a throw or an internal deadline becomes a 503 denial), logs the
// `authorize` line, records metrics and the trace span, and answers exactly once.
import type { Logger } from 'pino';
import { type ErrorCode, errorCodeOf, PortcullisError } from '../errors/index.js';
import { bindCheckSpan, endCheckSpan, startCheckSpan, tracingOn } from '../tracing/index.js';
import { type CheckContext, type CheckDeps, runCheck } from './check.js';
import type { DeadlineWatch } from './grpc/deadline-watch.js';
import { type DecisionSummary, summarizeDecision } from './grpc/decision-metadata.js';
import type { AuthzMetrics } from './lib/authz-metrics.js';
import type { AuthzState } from './lib/authz-state.js';
import type { AuthzRequest, AuthzResponse } from './lib/authz-types.js';
import { createDecisionRecorder } from './lib/record-decision.js';
import { denialForError } from './respond/denial-for-error.js';

/**
 * Decides one request. `read` produces it (a throw is a bad request), `left` is the caller's own
 * time budget in ms (Infinity: none), `answer` gets the response once, and `trace` reads the
 * caller's W3C trace context (called only when tracing is on).
 */
export type Decide = (
  read: () => AuthzRequest,
  left: () => number,
  answer: (res: AuthzResponse, summary: DecisionSummary) => void,
  trace?: () => Record<string, string | undefined>,
) => void;

export interface DecisionCoreOptions {
  /** The state in force (read once per decision: a reload never changes a decision midway). */
  readonly state: () => AuthzState;
  readonly deps: CheckDeps;
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics: AuthzMetrics;
  readonly deadlines: DeadlineWatch;
}

/** The code a failed Check is denied with: anything that is not a PortcullisError is AUTHZ_INTERNAL. */
export function checkErrorCode(err: unknown): ErrorCode {
  const code = errorCodeOf(err);
  return code === 'INTERNAL' ? 'AUTHZ_INTERNAL' : code;
}

export function createDecisionCore(options: DecisionCoreOptions): Decide {
  const { deps, now, logger, deadlines } = options;
  const logDecision = createDecisionRecorder(logger, options.metrics);
  /** Every field present from the start: one object shape for every Check. */
  const newContext = (st: AuthzState, req: AuthzRequest, t: number): CheckContext => ({
    state: st,
    deps,
    req,
    now: t,
    route: undefined,
    policyRequest: undefined,
    cookies: undefined,
    tokens: undefined,
    handle: undefined,
    session: undefined,
    resolved: undefined,
    decision: undefined,
  });

  return (read, left, answer, trace) => {
    const started = performance.now();
    const current = options.state();
    let done = false;
    let release: (() => void) | undefined;
    let req: AuthzRequest | null = null;
    let ctx: CheckContext | null = null;
    // Tracing (docs/tracing.md): one boolean when off; Envoy's span context rides the metadata.
    const span = tracingOn ? startCheckSpan(trace?.() ?? {}) : undefined;
    const finish = (res: AuthzResponse, code?: string): void => {
      if (done) return;
      done = true;
      release?.();
      const summary = summarizeDecision(ctx, req, res, code);
      logDecision(ctx, req, res, summary, performance.now() - started, code);
      if (span !== undefined) {
        endCheckSpan(span, {
          requestId: req?.requestId,
          routeId: ctx?.route?.id,
          outcome: res.kind,
          status: res.kind === 'allow' ? 200 : res.status,
          code,
        });
      }
      answer(res, summary);
    };
    const fail = (err: unknown): void => {
      const code = checkErrorCode(err);
      if (code === 'AUTHZ_INTERNAL')
        logger.error({ err, request_id: req?.requestId }, 'check failed');
      finish(denialForError(req ?? { requestId: '' }, code, current.config), code);
    };
    let out: AuthzResponse | Promise<AuthzResponse>;
    try {
      req = read();
      ctx = newContext(current, req, now());
      if (span !== undefined) bindCheckSpan(ctx, span);
      out = runCheck(ctx);
    } catch (err) {
      fail(err);
      return;
    }
    if (!(out instanceof Promise)) {
      finish(out);
      return;
    }
    // The Check waits (store read, signing): it gets an internal deadline shorter than the caller's.
    const l = left();
    const budget = Math.max(1, Math.min(current.deadlineMs, l - Math.min(100, l * 0.1)));
    release = deadlines.watch(Math.max(1, budget - (performance.now() - started)), () =>
      fail(new PortcullisError('AUTHZ_DEADLINE_EXCEEDED', 'check deadline exceeded')),
    );
    out.then(finish, fail);
  };
}
