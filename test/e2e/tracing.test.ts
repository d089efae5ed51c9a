// End to end, all-in-one through a real Envoy with a real OTLP receiver (the OpenTelemetry
// Collector): one allowed request is ONE trace holding Envoy's spans, the authz Check span (a
// child of Envoy's ext_authz span) with its session load and policy evaluation children, and the
// upstream's traceparent naming an Envoy span of that trace; the sign-in callback is one trace
// through Envoy, authn's callback span and its IdP token call (docs/tracing.md).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DemoAppReport } from '../../examples/demo-app/index.js';
import { type E2eStack, scriptedSignIn, startE2eStack } from '../helpers/e2e-stack.js';
import {
  type CollectedSpan,
  type OtelCollector,
  startOtelCollector,
} from '../helpers/otel-collector.js';

let collector: OtelCollector;
let stack: E2eStack;

before(async () => {
  collector = await startOtelCollector();
  stack = await startE2eStack('all', {
    extraConfig: `otel_traces_exporter: otlp
otel_exporter_otlp_endpoint: http://127.0.0.1:${collector.grpcPort}
otel_exporter_otlp_protocol: grpc
otel_bsp_schedule_delay: 100
otel_resource_attributes: deployment.environment=e2e`,
  });
});

after(async () => {
  await stack?.close();
  await collector?.close();
});

/** Waits until `pick` finds what it wants in the collected spans (Envoy flushes every ~5 s). */
async function collected<T>(pick: (spans: CollectedSpan[]) => T | undefined): Promise<T> {
  const t0 = performance.now();
  let last: CollectedSpan[] = [];
  while (performance.now() - t0 < 30_000) {
    last = await collector.spans();
    const found = pick(last);
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  const names = [...new Set(last.map((s) => `${s.service}:${s.name}`))].join(', ');
  throw new Error(`spans not collected within 30 s; seen ${last.length}: ${names}`);
}

const parentOf = (spans: CollectedSpan[], s: CollectedSpan) =>
  spans.find((p) => p.traceId === s.traceId && p.spanId === s.parentSpanId);

test('one allowed request is one trace: Envoy, the authz Check with session load and policy evaluation, and the upstream', async () => {
  const browser = stack.browser();
  await scriptedSignIn(stack, browser, `${stack.url('app')}/`);
  const res = await browser.request('GET', `${stack.url('app')}/traced`, {
    headers: { accept: 'application/json' },
  });
  assert.equal(res.status, 200);
  const report = JSON.parse(res.body) as DemoAppReport;
  const traceparent = report.headers.traceparent;
  assert.match(traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  const [, traceId, upstreamParent] = traceparent!.split('-') as [string, string, string];
  const requestId = report.headers['x-request-id'];

  const trace = await collected((spans) => {
    const mine = spans.filter((s) => s.traceId === traceId);
    const check = mine.find((s) => s.name === 'authz.Check');
    const envoyUpstream = mine.find((s) => s.spanId === upstreamParent);
    return check && envoyUpstream && mine.some((s) => s.name === 'authz.evaluate_policy')
      ? mine
      : undefined;
  });
  const check = trace.find((s) => s.name === 'authz.Check')!;
  assert.equal(check.service, 'portcullis');
  assert.equal(check.attributes['portcullis.authz.outcome'], 'allow');
  assert.equal(check.attributes['portcullis.request_id'], requestId);
  // The Check's parent is Envoy's ext_authz client span, in the same trace.
  const authzClient = parentOf(trace, check);
  assert.ok(authzClient, 'the Check span has no parent in the trace');
  assert.equal(authzClient.service, 'portcullis-envoy');
  // Session load and policy evaluation are children of the Check.
  for (const name of ['authz.load_session', 'authz.evaluate_policy']) {
    const step = trace.find((s) => s.name === name);
    assert.ok(step, `${name} span missing`);
    assert.equal(step.parentSpanId, check.spanId, `${name} is not a child of the Check`);
  }
  // The upstream got a traceparent naming Envoy's upstream span of this trace.
  const upstream = trace.find((s) => s.spanId === upstreamParent)!;
  assert.equal(upstream.service, 'portcullis-envoy');
  // otel_resource_attributes reach Envoy's resource as well as ours.
  assert.equal(upstream.resource['deployment.environment'], 'e2e');
  assert.equal(check.resource['deployment.environment'], 'e2e');
  // Every span of the trace leads up to one Envoy root (the ingress span).
  const roots = trace.filter((s) => s.parentSpanId === '');
  assert.equal(roots.length, 1);
  assert.equal(roots[0]!.service, 'portcullis-envoy');
  for (const s of trace) {
    let at: CollectedSpan | undefined = s;
    for (let i = 0; at !== undefined && at.parentSpanId !== '' && i < 20; i++)
      at = parentOf(trace, at);
    assert.equal(at, roots[0], `${s.service}:${s.name} does not lead to the root`);
  }
});

test('a sign-in is one trace: Envoy, the authn callback and its IdP token call', async () => {
  const browser = stack.browser();
  await scriptedSignIn(stack, browser, `${stack.url('other')}/`);
  const { callback, token, trace } = await collected((spans) => {
    for (const cb of spans.filter((s) => s.name === 'authn /oauth2/callback')) {
      const mine = spans.filter((s) => s.traceId === cb.traceId);
      const tok = mine.find((s) => s.name.startsWith('IdP POST') && s.parentSpanId === cb.spanId);
      if (tok !== undefined && parentOf(mine, cb) !== undefined)
        return { callback: cb, token: tok, trace: mine };
    }
    return undefined;
  });
  assert.equal(callback.service, 'portcullis');
  assert.equal(callback.attributes['http.response.status_code'], 302);
  assert.equal(parentOf(trace, callback)!.service, 'portcullis-envoy');
  assert.match(String(token.attributes['url.full']), /token/);
  assert.equal(token.kind, 3); // CLIENT
  assert.equal(token.attributes['http.response.status_code'], 200);
});
