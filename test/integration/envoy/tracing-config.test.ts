// Envoy's OpenTelemetry tracer from the otel_* keys (docs/tracing.md): the static bootstrap and
// the ADS snapshot both carry it and the collector cluster, real Envoy accepts both protocols
// (`envoy --mode validate`), and tracing off adds nothing to the generated config.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import {
  buildBootstrap,
  buildSnapshot,
  type EnvoyBuildOptions,
  validateSnapshot,
} from '../../../envoy/index.js';
import { envoyValidate } from '../../helpers/spawn-envoy.js';

const HEAD = `insecure_server: true
address: 127.0.0.1:8080
shared_secret: qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=
cookie_secret: VyvyFbs0cgaBaHDtM135NODNJTSm1CCAnrxA3+FbQXE=
routes:
  - from: http://app.test
    to: http://127.0.0.1:9
`;
const OPTS: EnvoyBuildOptions = {
  authz: [{ host: '127.0.0.1', port: 5443 }],
  authn: { host: '127.0.0.1', port: 5444 },
};
const config = (extra: string) =>
  parseConfigText(`${extra}\n${HEAD}`, { file: 't.yaml', env: {} }).config;

// biome-ignore lint/suspicious/noExplicitAny: assertions walk Envoy's generated JSON
type J = Record<string, any>;
const hcmOf = (listener: J): J => listener.filter_chains[0].filters[0].typed_config;

for (const [protocol, extra] of [
  ['grpc', 'otel_exporter_otlp_protocol: grpc\notel_exporter_otlp_endpoint: http://127.0.0.1:4317'],
  [
    'http/protobuf',
    'otel_exporter_otlp_endpoint: https://collector.example.com\notel_exporter_otlp_headers: authorization=Bearer x',
  ],
] as const) {
  test(`the bootstrap carries the OpenTelemetry tracer over ${protocol} and real Envoy accepts it`, async () => {
    const cfg = config(`otel_traces_exporter: otlp\notel_traces_sampler_arg: 0.01\n${extra}`);
    const result = buildBootstrap(cfg, OPTS);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
    const b = result.bootstrap as J;
    const tracing = hcmOf(b.static_resources.listeners[0]).tracing;
    assert.equal(tracing.provider.name, 'envoy.tracers.opentelemetry');
    assert.equal(tracing.random_sampling.value, 1);
    assert.equal(tracing.spawn_upstream_span, true);
    const cluster = (b.static_resources.clusters as J[]).find(
      (c) => c.name === 'portcullis-otel-collector',
    );
    assert.ok(cluster);
    if (protocol === 'grpc') {
      assert.equal(
        tracing.provider.typed_config.grpc_service.envoy_grpc.cluster_name,
        cluster.name,
      );
    } else {
      const http = tracing.provider.typed_config.http_service;
      assert.equal(http.http_uri.uri, 'https://collector.example.com/v1/traces');
      assert.equal(http.request_headers_to_add[0].header.key, 'authorization');
      assert.ok(cluster.transport_socket, 'an https collector is reached over TLS');
    }
    const { code, output } = await envoyValidate(b);
    assert.equal(code, 0, output.split('\n').slice(-5).join('\n'));
  });
}

test('the ADS snapshot carries the same tracer and collector cluster and passes validation', () => {
  const cfg = config(
    'otel_traces_exporter: otlp\notel_exporter_otlp_protocol: grpc\notel_exporter_otlp_endpoint: http://127.0.0.1:4317',
  );
  const snap = buildSnapshot(cfg, OPTS);
  assert.ok(validateSnapshot(snap).ok);
  const listener = snap.resources.listener[0]!.resource as J;
  assert.equal(hcmOf(listener).tracing.provider.name, 'envoy.tracers.opentelemetry');
  assert.ok(snap.resources.cluster.some((c) => c.name === 'portcullis-otel-collector'));
});

test('tracing off adds no tracer and no collector cluster', () => {
  const snap = buildSnapshot(config('otel_traces_exporter: none'), OPTS);
  assert.equal(hcmOf(snap.resources.listener[0]!.resource as J).tracing, undefined);
  assert.ok(!snap.resources.cluster.some((c) => c.name === 'portcullis-otel-collector'));
});

test("Envoy's tracer gets every otel_resource_attributes entry (service.name as its service name) and real Envoy accepts it", async () => {
  const cfg = config(
    'otel_traces_exporter: otlp\notel_resource_attributes: service.name=edge,deployment.environment=prod,team=identity',
  );
  const result = buildBootstrap(cfg, OPTS);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const b = result.bootstrap as J;
  const tracer = hcmOf(b.static_resources.listeners[0]).tracing.provider.typed_config;
  assert.equal(tracer.service_name, 'edge');
  assert.deepEqual(tracer.resource_detectors, [
    {
      name: 'envoy.tracers.opentelemetry.resource_detectors.static_config',
      typed_config: {
        '@type':
          'type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig',
        attributes: { 'deployment.environment': 'prod', team: 'identity' },
      },
    },
  ]);
  const { code, output } = await envoyValidate(b);
  assert.equal(code, 0, output.split('\n').slice(-5).join('\n'));
  const snap = buildSnapshot(cfg, OPTS);
  assert.ok(validateSnapshot(snap).ok);
  const listener = snap.resources.listener[0]!.resource as J;
  assert.deepEqual(hcmOf(listener).tracing.provider.typed_config, tracer);
});

test('without other resource attributes the tracer has no resource detector', () => {
  const cfg = config('otel_traces_exporter: otlp');
  const result = buildBootstrap(cfg, OPTS);
  assert.ok(result.ok);
  const tracer = hcmOf((result.bootstrap as J).static_resources.listeners[0]).tracing.provider
    .typed_config;
  assert.equal(tracer.service_name, 'portcullis-envoy');
  assert.equal(tracer.resource_detectors, undefined);
});
