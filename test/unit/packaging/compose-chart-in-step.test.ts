// docker-compose.yml and the Helm chart describe the same deployment twice (compose for one
// machine, the chart for Kubernetes): this test keeps them in step on what the processes agree
// on — which services run, where each listens, TLS on every internal hop, ADS on loopback beside
// Envoy, and the image's HEALTHCHECK wiring.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../../helpers/config-fixtures.js';

const root = repoRoot();
// biome-ignore lint/suspicious/noExplicitAny: walking rendered manifests
type Any = any;

function helm(): string {
  const bin = process.env.HELM_BIN || join(root, '.cache/go-bin/helm');
  if (!existsSync(bin)) assert.fail(`${bin} not found: run scripts/setup/helm (or set HELM_BIN)`);
  return bin;
}

interface Service {
  services: string;
  env: Record<string, string>;
  /** Where Envoy runs: 'same container' (compose proxy) or 'same pod' (chart proxy). */
  envoy: boolean;
}

function fromCompose(): Map<string, Service> {
  const doc = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { image?: string; environment?: Record<string, string> }>;
  };
  const out = new Map<string, Service>();
  for (const s of Object.values(doc.services)) {
    const env = s.environment ?? {};
    if (env.SERVICES === undefined) continue;
    out.set(env.SERVICES, {
      services: env.SERVICES,
      env,
      envoy: s.image === 'portcullis-envoy:dev',
    });
  }
  return out;
}

function fromChart(): { services: Map<string, Service>; config: string } {
  const text = execFileSync(
    helm(),
    ['template', 'portcullis', join(root, 'deploy/helm/portcullis')],
    {
      encoding: 'utf8',
    },
  );
  const objects = parseAllDocuments(text)
    .map((d) => d.toJS() as Any)
    .filter((o) => o !== null);
  const out = new Map<string, Service>();
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const containers = d.spec.template.spec.containers as Any[];
    const c = containers.find((x) => x.name === 'portcullis');
    const env = Object.fromEntries((c.env as Any[]).map((e) => [e.name, e.value]));
    out.set(env.SERVICES, {
      services: env.SERVICES,
      env,
      envoy: containers.some((x) => x.name === 'envoy'),
    });
  }
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'portcullis');
  return { services: out, config: cm.data['config.yaml'] as string };
}

const portOf = (url: string | undefined): string => /:(\d+)\/?$/.exec(url ?? '')?.[1] ?? '';

test('compose and the chart run the same Portcullis services, Envoy beside the proxy only', () => {
  const compose = fromCompose();
  const chart = fromChart().services;
  assert.deepEqual([...compose.keys()].sort(), [...chart.keys()].sort());
  for (const [name, s] of compose) {
    assert.equal(s.envoy, name === 'proxy', `compose ${name}`);
    assert.equal(chart.get(name)?.envoy, name === 'proxy', `chart ${name}`);
  }
});

test('compose and the chart listen on the same ports: authorize gRPC, authenticate internal, ADS on loopback', () => {
  const compose = fromCompose();
  const { services: chart, config } = fromChart();
  const chartConfig = parse(config) as Record<string, Any>;
  assert.equal(portOf(compose.get('authorize')?.env.GRPC_ADDRESS), '5443');
  assert.equal(portOf(chart.get('authorize')?.env.GRPC_ADDRESS), '5443');
  assert.equal(compose.get('proxy')?.env.GRPC_ADDRESS, '127.0.0.1:5450');
  assert.equal(chart.get('proxy')?.env.GRPC_ADDRESS, '127.0.0.1:5450');
  assert.equal(chartConfig.grpc_address, '127.0.0.1:5450');
  assert.equal(portOf(compose.get('authorize')?.env.AUTHENTICATE_INTERNAL_SERVICE_URL), '5080');
  assert.equal(portOf(chartConfig.authenticate_internal_service_url), '5080');
  assert.equal(portOf(chart.get('authenticate')?.env.AUTHENTICATE_INTERNAL_SERVICE_URL), '5080');
});

test('compose and the chart both speak TLS on every internal hop and use the image HEALTHCHECK', () => {
  const compose = fromCompose();
  const { services: chart, config } = fromChart();
  const chartConfig = parse(config) as Record<string, Any>;
  for (const [name, s] of compose) {
    const e = s.env;
    assert.match(e.AUTHENTICATE_INTERNAL_SERVICE_URL ?? '', /^https:/, name);
    assert.match(e.AUTHORIZE_SERVICE_URLS ?? '', /^\[https:\/\/[^,]+, https:\/\//, name);
    for (const k of ['CERTIFICATE_FILE', 'CERTIFICATE_KEY_FILE', 'GRPC_CLIENT_CERTIFICATE_FILE']) {
      assert.ok(e[k], `compose ${name} sets ${k}`);
    }
    assert.match(e.DATABROKER_STORAGE_CONNECTION_STRING ?? '', /sslmode=verify-full/, name);
    // The image's HEALTHCHECK reads /metrics on 127.0.0.1:9902 (Dockerfile).
    assert.equal(e.METRICS_ADDRESS, '127.0.0.1:9902', name);
  }
  assert.equal(chartConfig.grpc_insecure, false);
  assert.match(chartConfig.authenticate_internal_service_url, /^https:/);
  for (const u of chartConfig.authorize_service_urls as string[]) assert.match(u, /^https:/);
  for (const k of ['certificate_file', 'certificate_key_file', 'grpc_client_certificate_file']) {
    assert.ok(chartConfig[k], `chart config sets ${k}`);
  }
  for (const [name, s] of chart) {
    assert.match(
      s.env.PORTCULLIS_HEALTHCHECK_URL ?? '',
      /^http:\/\/127\.0\.0\.1:\d+\/metrics$/,
      name,
    );
  }
});
