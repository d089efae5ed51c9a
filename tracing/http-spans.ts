// Spans of authn (called through the tracingOn guard): a SERVER span per HTTP request, child of
// the `traceparent` Envoy sends, and a CLIENT span per IdP request (discovery, token, userinfo,
// JWKS) that carries the trace on to the IdP.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as Api from '@opentelemetry/api';
import { loaded, tracingOn } from './tracing-state.js';

type Carrier = Record<string, string | string[] | undefined>;
const getter: Api.TextMapGetter<Carrier> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => c[k],
};
const setter: Api.TextMapSetter<Headers> = {
  set: (c, k, v) => c.set(k, v),
};

/** `handler` wrapped: while tracing is on, each request runs in its own span named `prefix path`. */
export function tracedHandler(
  prefix: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const t = loaded;
    if (!tracingOn || t === undefined) {
      handler(req, res);
      return;
    }
    const parent = t.propagator.extract(t.api.ROOT_CONTEXT, req.headers, getter);
    const path = (req.url ?? '/').split('?')[0]!;
    const span = t.tracer.startSpan(
      `${prefix} ${path}`,
      {
        kind: t.api.SpanKind.SERVER,
        attributes: { 'http.request.method': req.method ?? '', 'url.path': path },
      },
      parent,
    );
    const rid = req.headers['x-request-id'];
    if (typeof rid === 'string') span.setAttribute('portcullis.request_id', rid.slice(0, 64));
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: 2 });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    t.active.run(t.api.trace.setSpan(parent, span), () => handler(req, res));
  };
}

/** `base` wrapped: while tracing is on, each request is a CLIENT span and sends `traceparent`. */
export function tracedFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const t = loaded;
    if (!tracingOn || t === undefined) return base(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const parent = t.active.getStore() ?? t.api.ROOT_CONTEXT;
    const span = t.tracer.startSpan(
      `IdP ${method} ${url.pathname}`,
      {
        kind: t.api.SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'url.full': `${url.origin}${url.pathname}`,
          'server.address': url.hostname,
        },
      },
      parent,
    );
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : {}));
    t.propagator.inject(t.api.trace.setSpan(parent, span), headers, setter);
    try {
      const res = await base(input, { ...init, headers });
      span.setAttribute('http.response.status_code', res.status);
      if (res.status >= 500) span.setStatus({ code: 2 });
      return res;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: 2 });
      throw err;
    } finally {
      span.end();
    }
  }) as typeof fetch;
}
