// Tracing follows a config reload (docs/tracing.md "Reload"): `portcullis start` all-in-one,
// started WITHOUT tracing, with a real OpenTelemetry Collector; rewriting the file turns tracing
// on (Envoy's tracer through ADS and our services' SDK), changes its resource attributes, and
// turns it off again, without a restart.
import assert from 'node:assert/strict';
import { readFile, rename, writeFile } from 'node:fs/promises';
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
let original: string;
const browser = () => signedIn;
let signedIn: ReturnType<E2eStack['browser']>;

before(async () => {
  collector = await startOtelCollector();
  stack = await startE2eStack('all');
  original = await readFile(stack.configFile, 'utf8');
  signedIn = stack.browser();
  await scriptedSignIn(stack, signedIn, `${stack.url('other')}/`);
});

after(async () => {
  await stack?.close();
  await collector?.close();
});

/** Rewrites the config file (atomically, as an editor or a ConfigMap does) with `otel` on top. */
async function reloadWith(otel: string): Promise<void> {
  const tmp = `${stack.configFile}.tmp`;
  await writeFile(tmp, `${otel}\n${original}`);
  await rename(tmp, stack.configFile);
}

const tracingOn = (environment: string) => `otel_traces_exporter: otlp
otel_exporter_otlp_endpoint: http://127.0.0.1:${collector.grpcPort}
otel_exporter_otlp_protocol: grpc
otel_bsp_schedule_delay: 100
otel_resource_attributes: deployment.environment=${environment}`;

/** One signed-in request through Envoy: the upstream's traceparent (if any) and request id. */
async function oneRequest(): Promise<{ traceparent?: string | undefined; requestId: string }> {
  const res = await browser().request('GET', `${stack.url('other')}/reload`, {
    headers: { accept: 'application/json' },
  });
  assert.equal(res.status, 200);
  const report = JSON.parse(res.body) as DemoAppReport;
  return { traceparent: report.headers.traceparent, requestId: report.headers['x-request-id']! };
}

/** Polls until `pick` returns something (generous deadline: reloads and exports are async). */
async function eventually<T>(what: string, pick: () => Promise<T | undefined>): Promise<T> {
  const t0 = performance.now();
  while (performance.now() - t0 < 60_000) {
    const found = await pick();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not seen within 60 s`);
}

/** Sends requests until one's trace holds Envoy's upstream span and our Check span. */
async function tracedRequest(environment: string): Promise<CollectedSpan[]> {
  return eventually(`a trace with deployment.environment=${environment}`, async () => {
    const { traceparent } = await oneRequest();
    if (traceparent === undefined) return undefined;
    const [, traceId, parent] = traceparent.split('-') as [string, string, string];
    for (let i = 0; i < 40; i++) {
      const mine = (await collector.spans()).filter((s) => s.traceId === traceId);
      const check = mine.find((s) => s.name === 'authz.Check');
      const upstream = mine.find((s) => s.spanId === parent);
      if (check && upstream) {
        return check.resource['deployment.environment'] === environment &&
          upstream.resource['deployment.environment'] === environment
          ? mine
          : undefined;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  });
}

/** Waits until the collector's span count stops growing for a few seconds. */
async function tracedAfterOffSettles(): Promise<void> {
  let count = -1;
  let stable = 0;
  while (stable < 3) {
    const n = (await collector.spans()).length;
    stable = n === count ? stable + 1 : 0;
    count = n;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

test('a reload turns tracing on, changes its settings and turns it off, without a restart', async () => {
  // Off at start: Envoy adds no traceparent and nothing reaches the collector.
  const first = await oneRequest();
  assert.equal(first.traceparent, undefined);

  await reloadWith(tracingOn('first'));
  const on = await tracedRequest('first');
  const check = on.find((s) => s.name === 'authz.Check')!;
  assert.equal(check.service, 'portcullis');
  assert.equal(check.attributes['portcullis.authz.outcome'], 'allow');
  assert.ok(
    on.some((s) => s.service === 'portcullis-envoy' && s.spanId === check.parentSpanId),
    "the Check span's parent is Envoy's ext_authz span",
  );

  await reloadWith(tracingOn('second'));
  await tracedRequest('second');

  await reloadWith('');
  // Our services switch after the reload is committed (the log line says so); then Envoy too.
  await eventually('the "tracing off" log line', async () =>
    stack.logs.some((l) => l.line.includes('tracing off')) ? true : undefined,
  );
  const off = await eventually('a request without traceparent after tracing off', async () => {
    const r = await oneRequest();
    return r.traceparent === undefined ? r : undefined;
  });
  // Envoy, when it still traces, flushes every 5 s: give a leaked span the time to arrive.
  await tracedAfterOffSettles();
  // The request before tracing was on and the one after it was off left no span of ours.
  const spans = await collector.spans();
  for (const id of [first.requestId, off.requestId]) {
    assert.ok(
      !spans.some((s) => s.attributes['portcullis.request_id'] === id),
      `request ${id} was traced while tracing was off`,
    );
  }
  const lines = stack.logs.map((l) => l.line);
  assert.ok(lines.some((l) => l.includes('tracing on (OTLP)')));
  assert.ok(lines.some((l) => l.includes('tracing settings changed (OTLP)')));
});
