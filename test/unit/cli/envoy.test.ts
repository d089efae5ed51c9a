// `portcullis envoy bootstrap`: prints a YAML bootstrap (static or --ads), exits 1 naming the
// route when the config cannot make a valid Envoy configuration, 2 on a usage error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const here = fileURLToPath(import.meta.url);
const mainFile = here.endsWith('.ts')
  ? join(repoRoot(), 'cli', 'main.ts')
  : join(dirname(here), '..', '..', '..', 'cli', 'main.js');

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, mainFile, ...args],
      { env: { PATH: process.env.PATH ?? '' }, maxBuffer: 16 * 1024 * 1024 },
      (error, out, err) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, out, err });
      },
    );
  });
}

const quickstart = () => join(repoRoot(), 'examples/quickstart/config.yaml');

test('envoy bootstrap prints the static bootstrap of the quickstart config', async () => {
  const r = await run([
    'envoy',
    'bootstrap',
    '-c',
    quickstart(),
    '--admin-port',
    '9902',
    '--authn',
    '127.0.0.1:9999',
  ]);
  assert.equal(r.code, 0, r.err);
  const b = parse(r.out);
  assert.equal(b.admin.address.socket_address.port_value, 9902);
  const names = b.static_resources.clusters.map((c: { name: string }) => c.name);
  assert.ok(names.includes('portcullis-authorize') && names.includes('portcullis-authenticate'));
  const authn = b.static_resources.clusters.find(
    (c: { name: string }) => c.name === 'portcullis-authenticate',
  );
  assert.equal(
    authn.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value,
    9999,
  );
});

test('envoy bootstrap --ads prints the small bootstrap pointing at the ADS server', async () => {
  const r = await run(['envoy', 'bootstrap', '-c', quickstart(), '--ads', '--node-id', 'edge-7']);
  assert.equal(r.code, 0, r.err);
  const b = parse(r.out);
  assert.equal(b.node.id, 'edge-7');
  assert.equal(b.dynamic_resources.ads_config.api_type, 'GRPC');
  assert.equal(
    b.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address
      .socket_address.port_value,
    8081,
  );
});

test('envoy bootstrap exits 1 and names the route when the config cannot become Envoy config', async () => {
  const file = join(tempDir(), 'bad.yaml');
  writeFileSync(
    file,
    'insecure_server: true\nroutes:\n  - from: https://a.example.com\n    to: http://a\n  - id: redis\n    from: tcp+https://redis.example.com:6379\n    to: tcp://redis:6379\n',
  );
  const r = await run(['envoy', 'bootstrap', '-c', file]);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /bad\.yaml:5:5: routes\[1\] \(route redis\): ENVOY_UNSUPPORTED/);
});

test('envoy bootstrap exits 1 with positions for an invalid config, 2 for usage errors', async () => {
  const file = join(tempDir(), 'invalid.yaml');
  writeFileSync(file, 'routes:\n  - from: https://a.example.com\n');
  assert.equal((await run(['envoy', 'bootstrap', '-c', file])).code, 1);
  assert.equal((await run(['envoy', 'bootstrap'])).code, 2);
  assert.equal((await run(['envoy', 'frobnicate'])).code, 2);
  assert.equal((await run(['envoy', 'bootstrap', '-c', file, '--authn', 'nope'])).code, 2);
});

test('portcullis validate reports what Envoy could not take, at the route', async () => {
  const file = join(tempDir(), 'tcp.yaml');
  writeFileSync(
    file,
    'insecure_server: true\nroutes:\n  - from: https://a.example.com\n    to: http://a\n  - id: redis\n    from: tcp+https://redis.example.com:6379\n    to: tcp://redis:6379\n',
  );
  const r = await run(['validate', '-c', file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /tcp\.yaml:5:5: routes\[1\]: ENVOY_UNSUPPORTED/);
  const ok = await run(['validate', '-c', quickstart()]);
  assert.equal(ok.code, 0, ok.err);
});

const TLS_CONFIG = `services: all
insecure_server: true
address: 127.0.0.1:8080
grpc_address: 0.0.0.0:5443
override_certificate_name: authorize.internal
certificate_authority_file: tls/ca.pem
certificate_file: tls/server.pem
certificate_key_file: tls/server-key.pem
grpc_client_ca_file: tls/ca.pem
grpc_client_certificate_file: tls/client.pem
grpc_client_certificate_key_file: tls/client-key.pem
authenticate_service_url: http://authenticate.localhost:8080
routes:
  - {from: http://a.localhost:8080, to: http://127.0.0.1:9, allow_any_authenticated_user: true}
`;

/** The TLS context of a cluster, with its SAN check and the client certificate it presents. */
function tlsOf(cluster: Record<string, unknown>) {
  const ctx = (cluster.transport_socket as { typed_config: Record<string, unknown> }).typed_config;
  const common = ctx.common_tls_context as {
    validation_context: {
      trusted_ca: { filename: string };
      match_typed_subject_alt_names: unknown;
    };
    tls_certificates: { certificate_chain: { filename: string } }[];
  };
  return { sni: ctx.sni, common };
}

for (const ads of [false, true]) {
  test(`envoy bootstrap${ads ? ' --ads' : ''} reaches a TLS grpc_address verifying its SAN and presenting the client certificate`, async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, TLS_CONFIG);
    const r = await run(['envoy', 'bootstrap', '-c', file, ...(ads ? ['--ads'] : [])]);
    assert.equal(r.code, 0, r.err);
    const doc = parse(r.out) as { static_resources: { clusters: Record<string, unknown>[] } };
    const name = ads ? 'portcullis-xds' : 'portcullis-authorize';
    const cluster = doc.static_resources.clusters.find((c) => c.name === name)!;
    const { sni, common } = tlsOf(cluster);
    assert.equal(sni, 'authorize.internal');
    assert.deepEqual(common.validation_context.match_typed_subject_alt_names, [
      { san_type: 'DNS', matcher: { exact: 'authorize.internal' } },
    ]);
    assert.equal(common.validation_context.trusted_ca.filename, join(dir, 'tls', 'ca.pem'));
    assert.equal(
      common.tls_certificates[0]!.certificate_chain.filename,
      join(dir, 'tls', 'client.pem'),
    );
  });
}
