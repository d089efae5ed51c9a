// The otel_* keys (docs/tracing.md): parsed with Pomerium's names and forms, resolved with the
// OTLP defaults (the `_traces_` form wins), bad values refused with their key path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfigText, resolveTracing } from '../../../config/index.js';

const HEAD = `insecure_server: true
shared_secret: qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=
cookie_secret: VyvyFbs0cgaBaHDtM135NODNJTSm1CCAnrxA3+FbQXE=
routes:
  - from: http://app.test
    to: http://127.0.0.1:9
`;
const parse = (extra: string) =>
  parseConfigText(`${extra}\n${HEAD}`, { file: 'otel.yaml', env: {} }).config;

test('tracing is off without otel_traces_exporter and with none', () => {
  assert.equal(resolveTracing(parse('')), undefined);
  assert.equal(resolveTracing(parse('otel_traces_exporter: none')), undefined);
});

test('otlp alone exports over http/protobuf to localhost:4318/v1/traces, sampling everything', () => {
  const t = resolveTracing(parse('otel_traces_exporter: otlp'))!;
  assert.equal(t.protocol, 'http/protobuf');
  assert.equal(t.url, 'http://localhost:4318/v1/traces');
  assert.equal(t.ratio, 1);
  assert.equal(t.timeoutMs, 10_000);
});

test('grpc uses the endpoint as is; the _traces_ forms win over the general ones', () => {
  const t = resolveTracing(
    parse(`otel_traces_exporter: OTLP
otel_exporter_otlp_endpoint: http://collector:4318
otel_exporter_otlp_traces_endpoint: https://traces.example.com:4317
otel_exporter_otlp_protocol: http/protobuf
otel_exporter_otlp_traces_protocol: grpc
otel_exporter_otlp_headers: a=1,b=2
otel_exporter_otlp_traces_headers: [b=3]
otel_exporter_otlp_timeout: 5000
otel_exporter_otlp_traces_timeout: 2s
otel_traces_sampler_arg: 0.01
otel_resource_attributes: service.name=edge,deployment.environment=prod
otel_bsp_schedule_delay: 100`),
  )!;
  assert.equal(t.protocol, 'grpc');
  assert.equal(t.url, 'https://traces.example.com:4317');
  assert.deepEqual(t.headers, { a: '1', b: '3' });
  assert.equal(t.timeoutMs, 2000);
  assert.equal(t.ratio, 0.01);
  assert.deepEqual(t.resourceAttributes, {
    'service.name': 'edge',
    'deployment.environment': 'prod',
  });
  assert.equal(t.scheduleDelayMs, 100);
});

test('the OTEL_* variables Pomerium reads set the same keys', () => {
  const { config } = parseConfigText(HEAD, {
    file: 'otel.yaml',
    env: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
    },
  });
  const t = resolveTracing(config)!;
  assert.equal(t.url, 'http://collector:4318/v1/traces');
  assert.equal(t.ratio, 0.5);
});

const BAD: readonly [string, string, string][] = [
  ['otel_traces_exporter: jaeger', 'otel_traces_exporter', 'invalid_enum'],
  ['otel_exporter_otlp_protocol: thrift', 'otel_exporter_otlp_protocol', 'invalid_enum'],
  ['otel_exporter_otlp_endpoint: collector:4317', 'otel_exporter_otlp_endpoint', 'invalid_url'],
  ['otel_exporter_otlp_endpoint: ftp://collector', 'otel_exporter_otlp_endpoint', 'invalid_url'],
  ['otel_exporter_otlp_headers: [novalue]', 'otel_exporter_otlp_headers', 'invalid_value'],
  ['otel_exporter_otlp_headers: "bad header=1"', 'otel_exporter_otlp_headers', 'invalid_value'],
  ['otel_traces_sampler_arg: 2', 'otel_traces_sampler_arg', ''],
  ['otel_exporter_otlp_timeout: soon', 'otel_exporter_otlp_timeout', ''],
];

test('bad otel_* values are refused with their key and position', () => {
  for (const [yaml, key, code] of BAD) {
    assert.throws(
      () => parse(yaml),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, yaml);
        const issue = err.issues.find((i) => i.path.startsWith(key));
        assert.ok(issue, `${yaml}: ${JSON.stringify(err.issues)}`);
        if (code !== '') assert.equal(issue.code, code, yaml);
        assert.equal(issue.line, 1, yaml);
        return true;
      },
    );
  }
});
