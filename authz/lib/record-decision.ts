// One `authorize` log line and the metrics per decision (docs/style.md §17): request id, route, method,
// host, path without the query, session, user, email, outcome, status, reasons, explanation,
// error code, latency. Cookies, tokens and headers are never logged.
import type { Logger } from 'pino';
import type { CheckContext } from '../check.js';
import type { AuthzMetrics } from './authz-metrics.js';
import type { AuthzRequest, AuthzResponse } from './authz-types.js';

export type DecisionRecorder = (
  ctx: CheckContext | null,
  req: AuthzRequest | null,
  res: AuthzResponse,
  ms: number,
  code?: string,
) => void;

export function createDecisionRecorder(logger: Logger, metrics: AuthzMetrics): DecisionRecorder {
  return (ctx, req, res, ms, code) => {
    const d = ctx?.decision;
    const routeId = ctx?.route?.id ?? req?.routeId ?? '';
    const status = res.kind === 'allow' ? 200 : res.status;
    const outcome = code ? 'error' : (d?.outcome ?? (res.kind === 'allow' ? 'allow' : 'deny'));
    metrics.decision(routeId, outcome, status, ms / 1000);
    if (code) metrics.error(code);
    if (!logger.isLevelEnabled('info')) return;
    const identity = ctx?.resolved?.identity;
    logger.info(
      {
        request_id: req?.requestId ?? '',
        route_id: routeId,
        internal: req?.internal ?? false,
        method: req?.http.method ?? '',
        host: req?.http.host ?? '',
        path: req?.http.rawPath ?? '',
        session_id: identity?.sessionId ?? '',
        user: identity?.userId ?? '',
        email: identity?.email ?? '',
        outcome,
        status,
        allow: res.kind === 'allow',
        reasons: d?.reasons ?? (req?.rejected ? [req.rejected] : []),
        allow_reasons: d?.allowReasons ?? [],
        deny_reasons: d?.denyReasons ?? [],
        ...(d && d.outcome !== 'allow' ? { explanation: d.explanation } : {}),
        ...(code ? { code } : {}),
        latency_ms: Math.round(ms * 1000) / 1000,
      },
      'authorize',
    );
  };
}
