// `portcullis start` refuses plain-text gRPC on a network: grpc_insecure is accepted only on a
// loopback grpc_address, and a non-loopback one without a certificate is refused too — exit 1
// with a message that says why and what to do. On loopback plain text is the default.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { generateTlsFiles } from '../../../cli/commands/generate-tls-files.js';
import { issueCertificateAuthority } from '../../../envoy/index.js';
import { spawnPortcullis } from '../../../examples/split-mode/spawn-portcullis.js';
import { tempDir } from '../../helpers/config-fixtures.js';
import { freePort } from '../../helpers/free-port.js';
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';

const run = promisify(execFile);
const CLI = PORTCULLIS_ENTRY;

const config = (grpc: string) => `services: authorize,authenticate
shared_secret: ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=
insecure_server: true
${grpc}
authenticate_service_url: http://authenticate.localhost:8080
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
routes:
  - {from: http://app.localhost:8080, to: http://127.0.0.1:9, allow_any_authenticated_user: true}
`;

async function start(yaml: string): Promise<{ code: number; stdout: string }> {
  const file = join(tempDir(), 'config.yaml');
  await writeFile(file, yaml);
  return run(process.execPath, [CLI, 'start', '-c', file, '--log-format', 'json'], {
    timeout: 20_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
}

for (const c of [
  {
    name: 'grpc_insecure: true on every interface',
    grpc: 'grpc_address: 0.0.0.0:{port}\ngrpc_insecure: true',
    says: /grpc_insecure: true is accepted only on a loopback address/,
  },
  {
    name: 'grpc_insecure: true on a non-loopback IP',
    grpc: 'grpc_address: 192.0.2.10:{port}\ngrpc_insecure: true',
    says: /accepted only on a loopback address/,
  },
  {
    name: 'a non-loopback address and no certificate',
    grpc: 'grpc_address: :{port}',
    says: /needs TLS \(it is not a loopback address\) but no certificate is configured/,
  },
  {
    name: 'grpc_insecure: false on loopback and no certificate',
    grpc: 'grpc_address: 127.0.0.1:{port}\ngrpc_insecure: false',
    says: /needs TLS \(grpc_insecure: false\) but no certificate/,
  },
]) {
  test(`start refuses plain-text gRPC: ${c.name} (exit 1, says why)`, async () => {
    const r = await start(config(c.grpc.replace('{port}', String(await freePort()))));
    assert.equal(r.code, 1, r.stdout);
    const fatal = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; code?: string; msg: string })
      .find((e) => e.level === 60);
    assert.equal(fatal?.code, 'CONFIG_INVALID');
    assert.match(fatal?.msg ?? '', c.says);
  });
}

test('start serves plain-text gRPC on loopback when opted out with grpc_insecure: true', async () => {
  const file = join(tempDir(), 'config.yaml');
  await writeFile(file, config(`grpc_address: 127.0.0.1:${await freePort()}\ngrpc_insecure: true`));
  const p = await spawnPortcullis({ name: 'loopback', configFile: file });
  try {
    assert.ok(p.lines.some((l) => /gRPC in plain text on loopback/.test(l)));
  } finally {
    assert.equal(await p.stop(), 0);
  }
});

for (const c of [
  {
    name: 'a certificate without the name Envoy verifies',
    extra: 'override_certificate_name: authorize.example\ncertificate_authority_file: tls/ca.pem',
    says: /no gRPC certificate is valid for authorize\.example/,
  },
  {
    name: 'a certificate_authority that did not sign the certificate',
    extra: 'certificate_authority_file: other-ca.pem',
    says: /not signed by certificate_authority/,
  },
]) {
  test(`start refuses TLS its own Envoy could not verify: ${c.name} (exit 1, says what to change)`, async () => {
    const dir = tempDir();
    generateTlsFiles({ dir: join(dir, 'tls'), names: [], configDir: dir });
    await writeFile(join(dir, 'other-ca.pem'), issueCertificateAuthority('Other').cert);
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      `${config(`grpc_address: 127.0.0.1:${await freePort()}\ngrpc_insecure: false`).replace('services: authorize,authenticate', 'services: all')}
certificate_file: tls/server.pem
certificate_key_file: tls/server-key.pem
grpc_client_ca_file: tls/ca.pem
${c.extra}
`,
    );
    const r = await run(process.execPath, [CLI, 'start', '-c', file, '--log-format', 'json'], {
      timeout: 20_000,
      env: { ...process.env, ENVOY_BIN: '/nonexistent/envoy' },
    }).then(
      (x) => ({ code: 0, stdout: x.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, c.says);
  });
}
