// docker-compose.yml is valid for Compose (checked statically: no Docker engine here) and stays
// in step with the split-mode example: the same processes, the same config file, the same routes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfigFile } from '../../../config/index.js';
import { SPLIT_MODE_PROCESSES } from '../../../examples/split-mode/start-split-mode.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

const run = promisify(execFile);
const root = repoRoot();

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  network_mode?: string;
  environment?: Record<string, string>;
  volumes?: string[];
}

async function compose(): Promise<Record<string, ComposeService>> {
  const doc = parse(await readFile(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  return doc.services;
}

test('docker-compose.yml passes `docker-compose config -q`', async () => {
  try {
    await run('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config', '-q'], {
      cwd: root,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      assert.fail(
        'docker-compose is required: run ./scripts/setup-test-env (Debian package docker-compose)',
      );
    }
    assert.fail(`docker-compose config rejected docker-compose.yml:\n${e.stderr ?? e.message}`);
  }
});

test('docker-compose.yml runs the split-mode processes with the same services', async () => {
  const services = await compose();
  const portcullis = Object.entries(services)
    .filter(([, s]) => s.environment?.SERVICES !== undefined)
    .map(([name, s]) => ({ name, services: s.environment!.SERVICES }));
  assert.deepEqual(
    portcullis.sort((a, b) => a.name.localeCompare(b.name)),
    SPLIT_MODE_PROCESSES.map((p) => ({ name: p.name, services: p.services })).sort((a, b) =>
      a.name.localeCompare(b.name),
    ),
  );
  for (const { name } of portcullis) {
    assert.ok(
      services[name]!.volumes?.includes('./examples/split-mode:/etc/portcullis:ro'),
      `${name} mounts the split-mode config`,
    );
  }
  assert.match(services.postgres!.image ?? '', /^postgres:/);
});

test('compose builds each image once, runs Envoy inside the proxy container and binds ports to 127.0.0.1', async () => {
  const services = await compose();
  const builders = new Map<string, string[]>();
  for (const [name, s] of Object.entries(services)) {
    if (s.build !== undefined)
      builders.set(s.image ?? name, [...(builders.get(s.image ?? name) ?? []), name]);
  }
  for (const [image, names] of builders)
    assert.equal(names.length, 1, `${image} is built by ${names.join(', ')}`);
  for (const [name, s] of Object.entries(services)) {
    if (s.image?.endsWith(':dev')) {
      assert.ok(builders.has(s.image ?? ''), `${name} uses ${s.image}, which a service builds`);
    }
    assert.equal(s.network_mode, undefined, `${name} owns its network`);
    for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes ${p}`);
  }
  assert.equal(services.envoy, undefined);
  assert.equal(services.proxy!.image, 'portcullis-envoy:dev');
  assert.deepEqual(services.proxy!.build, {
    context: '.',
    dockerfile: 'Dockerfile.envoy',
    args: { PORTCULLIS_IMAGE: 'portcullis:dev' },
  });
});

test('the compose routes serve the hosts of the split-mode config, and the config stays valid', async () => {
  const services = await compose();
  const env = services['authorize-1']!.environment!;
  const { config: local } = await loadConfigFile(join(root, 'examples/split-mode/config.yaml'), {
    env: { DATABROKER_STORAGE_CONNECTION_STRING: 'postgres://x@127.0.0.1/x' },
  });
  const { config: inCompose } = await loadConfigFile(
    join(root, 'examples/split-mode/config.yaml'),
    {
      env,
    },
  );
  const hosts = (c: typeof local) => c.routes.map((r) => r.from);
  assert.deepEqual(
    hosts(inCompose).filter((h) => !h.includes('idp.')),
    hosts(local),
  );
  assert.equal(inCompose.authorize_service_urls?.length, local.authorize_service_urls?.length);
  assert.equal(inCompose.databroker_storage_type, 'postgres');
  assert.deepEqual(
    inCompose.routes.map((r) => r.policy ?? null).slice(0, local.routes.length),
    local.routes.map((r) => r.policy ?? null),
  );
});
