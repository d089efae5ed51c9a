// The forward-auth front door's span (docs/forward-auth.md "Tracing"; called only while
// tracingOn): a SERVER span per request, child of the `traceparent` the fronting proxy sends with
// the subrequest. The authz Check span becomes its child (through the carrier handed to the
// decision core), and an allowed answer carries its `traceparent` so the proxy can forward it to
// the upstream: proxy → forward-auth → Check, and proxy → upstream under our span, one trace.
import type { IncomingMessage } from 'node:http';
import type * as Api from '@opentelemetry/api';
import { loaded } from './tracing-state.js';

type Carrier = Record<string, string | undefined>;
const getter: Api.TextMapGetter<IncomingMessage['headers']> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => c[k],
};
const setter: Api.TextMapSetter<Carrier> = {
  set: (c, k, v) => {
    c[k] = v;
  },
};

export interface ForwardAuthSpan {
  /** The W3C trace context naming this span (`traceparent`, `tracestate`). */
  readonly context: Readonly<Carrier>;
  /** Ends the span with the status the proxy got. */
  end(status: number, requestId?: string): void;
}

/** Starts the span of one forward-auth request named `forward-auth <path>`. */
export function startForwardAuthSpan(
  headers: IncomingMessage['headers'],
  path: string,
): ForwardAuthSpan | undefined {
  const t = loaded;
  if (t === undefined) return undefined;
  const parent = t.propagator.extract(t.api.ROOT_CONTEXT, headers, getter);
  const span = t.tracer.startSpan(
    `forward-auth ${path}`,
    {
      kind: t.api.SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'url.path': path },
    },
    parent,
  );
  const context: Carrier = {};
  t.propagator.inject(t.api.trace.setSpan(parent, span), context, setter);
  return {
    context,
    end(status, requestId) {
      if (requestId) span.setAttribute('portcullis.request_id', requestId);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: 2 });
      span.end();
    },
  };
}
