// What one Check decided, in the words the `authorize` log line, the metrics and Envoy's access
// log share: the outcome (allow, deny, login, error), the reason (the policy's reasons, the
// error code or the 400 reason), the route id and the route's name. The CheckResponse carries
// it to Envoy as dynamic metadata (namespace envoy.filters.http.ext_authz), which the access log
// reads (envoy/build/build-access-log.ts), so one request id joins both lines.
import type { CheckContext } from '../check.js';
import type { AuthzRequest, AuthzResponse } from '../lib/authz-types.js';

export interface DecisionSummary {
  readonly outcome: string;
  readonly reason: string;
  readonly routeId: string;
  readonly routeName: string;
}

export function summarizeDecision(
  ctx: CheckContext | null,
  req: AuthzRequest | null,
  res: AuthzResponse,
  code?: string,
): DecisionSummary {
  const d = ctx?.decision;
  const outcome = code ? 'error' : (d?.outcome ?? (res.kind === 'allow' ? 'allow' : 'deny'));
  let reason: string;
  if (code) reason = code;
  else if (d) reason = d.reasons.join(',');
  else if (req?.rejected) reason = req.rejected;
  else if (req?.internal) reason = 'internal';
  else if (ctx !== null && ctx.route === undefined && res.kind === 'deny')
    reason = 'route-not-found';
  else reason = '';
  return {
    outcome,
    reason,
    routeId: ctx?.route?.id ?? req?.routeId ?? '',
    routeName: ctx?.route?.route.name ?? '',
  };
}

/** `google.protobuf.Struct` as @grpc/proto-loader encodes it (protobufjs' camelCase Value). */
export interface StructWire {
  readonly fields: Readonly<Record<string, { readonly stringValue: string }>>;
}

export function decisionMetadata(s: DecisionSummary): StructWire {
  return {
    fields: {
      decision: { stringValue: s.outcome },
      reason: { stringValue: s.reason },
      route_id: { stringValue: s.routeId },
      route_name: { stringValue: s.routeName },
    },
  };
}
