// Spans of the authz Check (called only while tracingOn): one SERVER span per Check, child of
// the span Envoy's ext_authz client sends in the gRPC `traceparent` metadata (else the request's
// own header), with children for the session load and the policy evaluation (authz/check.ts).
import type * as Api from '@opentelemetry/api';
import { loaded } from './tracing-state.js';

type Carrier = Readonly<Record<string, string | undefined>>;
const getter: Api.TextMapGetter<Carrier> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => c[k],
};

const spans = new WeakMap<object, Api.Span>();

/** Starts the Check span; `traceparent`/`tracestate` from the gRPC metadata or the request. */
export function startCheckSpan(carrier: Carrier): Api.Span | undefined {
  const t = loaded;
  if (t === undefined) return undefined;
  const parent = t.propagator.extract(t.api.ROOT_CONTEXT, carrier, getter);
  return t.tracer.startSpan(
    'authz.Check',
    { kind: t.api.SpanKind.SERVER, attributes: { 'rpc.system': 'grpc' } },
    parent,
  );
}

/** Links the Check context to its span (for the child spans of its steps). */
export function bindCheckSpan(ctx: object, span: Api.Span): void {
  spans.set(ctx, span);
}

/** Ends the Check span with the decision. */
export function endCheckSpan(
  span: Api.Span,
  attrs: {
    readonly requestId?: string | undefined;
    readonly routeId?: string | undefined;
    readonly outcome: string;
    readonly status: number;
    readonly code?: string | undefined;
  },
): void {
  if (attrs.requestId) span.setAttribute('portcullis.request_id', attrs.requestId);
  if (attrs.routeId) span.setAttribute('portcullis.route_id', attrs.routeId);
  span.setAttribute('portcullis.authz.outcome', attrs.outcome);
  span.setAttribute('http.response.status_code', attrs.status);
  if (attrs.code !== undefined) {
    span.setAttribute('error.type', attrs.code);
    span.setStatus({ code: 2, message: attrs.code });
  }
  span.end();
}

/**
 * A step of the Check pipeline run inside a child span of the Check span (ended when the step
 * returns or its promise settles). Without a Check span the step runs as it is.
 */
export function tracedStep<C extends object, R>(name: string, step: (ctx: C) => R): (ctx: C) => R {
  return (ctx) => {
    const parent = spans.get(ctx);
    const t = loaded;
    if (parent === undefined || t === undefined) return step(ctx);
    const span = t.tracer.startSpan(
      name,
      undefined,
      t.api.trace.setSpan(t.api.ROOT_CONTEXT, parent),
    );
    const failed = (err: unknown): never => {
      span.recordException(err as Error);
      span.setStatus({ code: 2 });
      span.end();
      throw err;
    };
    let out: R;
    try {
      out = step(ctx);
    } catch (err) {
      return failed(err);
    }
    if (out instanceof Promise) {
      return out.then((v: unknown) => {
        span.end();
        return v;
      }, failed) as R;
    }
    span.end();
    return out;
  };
}
