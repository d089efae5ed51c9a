// Forward-auth carries the W3C trace context (docs/forward-auth.md "Tracing"), with a real
// OpenTelemetry Collector as the OTLP receiver: the fronting proxy's traceparent → our
// `forward-auth` span → the authz Check span under it → the allowed answer's traceparent (which
// the proxy forwards upstream) naming our span, all in the proxy's trace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { resolveTracing } from '../../../config/index.js';
import { createForwardAuthServer, type ForwardAuthServer } from '../../../forward-auth/index.js';
import { flushTracing, startTracing, stopTracing } from '../../../tracing/index.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import {
  type CollectedSpan,
  type OtelCollector,
  startOtelCollector,
} from '../../helpers/otel-collector.js';
import { type HttpResult, httpGet } from '../../helpers/spawn-envoy.js';

const YAML = `
routes:
  - id: app
    from: https://app.example.com
    to: http://127.0.0.1:9
    allowed_domains: [example.com]
`;

let collector: OtelCollector;
let h: AuthzHarness;
let fwd: ForwardAuthServer;
let port: number;
let cookie: string;

before(async () => {
  collector = await startOtelCollector();
  h = await startAuthzHarness({ yaml: YAML });
  cookie = `_pomerium=${(await h.signIn({ email: 'alice@example.com' })).token}`;
  fwd = createForwardAuthServer({ loaded: h.loaded, authz: h.authz });
  port = (await fwd.listen(0)).port;
});

after(async () => {
  await stopTracing();
  await fwd?.close();
  await h?.close();
  await collector?.close();
});

function caddy(headers: Record<string, string>): Promise<HttpResult> {
  return httpGet(port, '127.0.0.1', '/verify/caddy', {
    'x-forwarded-method': 'GET',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'app.example.com',
    'x-forwarded-uri': '/traced',
    cookie,
    ...headers,
  });
}

const proxyContext = (flags: '01' | '00') => {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-${flags}` };
};

async function spansOf(traceId: string, want: number): Promise<CollectedSpan[]> {
  const t0 = performance.now();
  let mine: CollectedSpan[] = [];
  while (performance.now() - t0 < 30_000) {
    await flushTracing();
    mine = (await collector.spans()).filter((s) => s.traceId === traceId);
    if (mine.length >= want) return mine;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`trace ${traceId}: ${mine.length} of ${want} spans within 30 s`);
}

test('tracing off: the allowed answer carries no traceparent', async () => {
  const proxy = proxyContext('01');
  const res = await caddy({ traceparent: proxy.traceparent });
  assert.equal(res.status, 200);
  assert.equal(res.headers.traceparent, undefined);
});

test("tracing on: proxy span → forward-auth span → Check span, and the answer's traceparent names our span for the upstream", async () => {
  await startTracing(
    resolveTracing({
      otel_traces_exporter: 'otlp',
      otel_exporter_otlp_endpoint: `http://127.0.0.1:${collector.httpPort}`,
      otel_bsp_schedule_delay: 100,
    })!,
  );
  const proxy = proxyContext('01');
  const res = await caddy({ traceparent: proxy.traceparent, tracestate: 'vendor=1' });
  assert.equal(res.status, 200);
  const answered = String(res.headers.traceparent ?? '');
  const [version, traceId, spanId, flags] = answered.split('-');
  assert.equal(version, '00');
  assert.equal(traceId, proxy.traceId, 'the answer stays in the proxy trace');
  assert.notEqual(spanId, proxy.spanId, 'the answer names our span, not the proxy span');
  assert.equal(flags, '01');
  assert.equal(res.headers.tracestate, 'vendor=1');

  const trace = await spansOf(proxy.traceId, 2);
  const ours = trace.find((s) => s.name === 'forward-auth /verify/caddy');
  assert.ok(ours, `no forward-auth span in ${trace.map((s) => s.name).join(', ')}`);
  assert.equal(ours.spanId, spanId);
  assert.equal(ours.parentSpanId, proxy.spanId);
  assert.equal(ours.kind, 2); // SERVER
  assert.equal(ours.attributes['http.response.status_code'], 200);
  const check = trace.find((s) => s.name === 'authz.Check');
  assert.ok(check);
  assert.equal(check.parentSpanId, ours.spanId);
  assert.equal(check.attributes['portcullis.authz.outcome'], 'allow');
});

test('a denial ends our span with its status; an unsampled proxy trace stays unsampled', async () => {
  const denied = proxyContext('01');
  const res = await caddy({ traceparent: denied.traceparent, cookie: '' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.traceparent, undefined, 'only an allowed answer carries it');
  const [ours] = (await spansOf(denied.traceId, 2)).filter((s) =>
    s.name.startsWith('forward-auth'),
  );
  assert.equal(ours?.attributes['http.response.status_code'], 302);

  const unsampled = proxyContext('00');
  const ok = await caddy({ traceparent: unsampled.traceparent });
  assert.equal(ok.status, 200);
  const [, traceId, , flags] = String(ok.headers.traceparent).split('-');
  assert.equal(traceId, unsampled.traceId);
  assert.equal(flags, '00');
});
