// `npm run build && node dist/examples/split-mode/launch.js`: split mode on this machine — the
// dev IdP (127.0.0.1:8901), the demo app (127.0.0.1:9011), two authorize replicas, one
// authenticate, and the proxy (ADS + Envoy on 127.0.0.1:8090), sharing PostgreSQL from
// DATABROKER_STORAGE_CONNECTION_STRING or DATABASE_URL. Ctrl-C stops everything.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTlsFiles } from '../../cli/commands/generate-tls-files.js';
import { ENVOY_INSTALL_HINT, findEnvoyBinary, formatLogLine } from '../../cli/index.js';
import { startDemoApp } from '../demo-app/index.js';
import { loadDevIdpFile, startDevIdp } from '../dev-idp/index.js';
import { startSplitMode } from './start-split-mode.js';

const here = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'examples',
  'split-mode',
);

async function main(): Promise<number> {
  const databaseUrl = process.env.DATABROKER_STORAGE_CONNECTION_STRING ?? process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write(
      'split mode: set DATABROKER_STORAGE_CONNECTION_STRING (or DATABASE_URL) to a PostgreSQL URL (./scripts/setup-test-env writes one to .test-env)\n',
    );
    return 1;
  }
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) {
    process.stderr.write(`split mode: no envoy binary found: ${ENVOY_INSTALL_HINT}\n`);
    return 1;
  }
  if (!existsSync(join(here, 'tls', 'server.pem'))) {
    // The certificates config.yaml names (what `portcullis keys generate --tls --out tls` does).
    generateTlsFiles({
      dir: join(here, 'tls'),
      names: ['authorize-1', 'authorize-2', 'authenticate', 'proxy'],
      configDir: here,
    });
    process.stdout.write(`made the TLS certificates in ${join(here, 'tls')}\n`);
  }
  const file = await loadDevIdpFile(join(here, 'dev-idp.yaml'));
  const idp = await startDevIdp({ port: 8901, users: file.users, clients: file.clients });
  const app = await startDemoApp({
    name: 'Split-mode demo app',
    port: 9011,
    connect: '127.0.0.1:8090',
  });
  const pretty = process.stdout.isTTY === true;
  const split = await startSplitMode({
    configFile: join(here, 'config.yaml'),
    databaseUrl,
    env: { ENVOY_BIN: envoyBin },
    onLine: (name, line) =>
      process.stdout.write(`${name.padEnd(12)} ${pretty ? formatLogLine(line, true) : line}\n`),
  });
  process.stdout.write(`
  Split mode is running, TLS between every service: authorize-1 (127.0.0.1:5443),
  authorize-2 (127.0.0.1:5444), authenticate (https://127.0.0.1:5080), proxy (ADS
  127.0.0.1:5450, Envoy http://127.0.0.1:8090).

    http://app.localhost:8090      group "engineering" (alice / alice; bob / bob gets 403)
    http://public.localhost:8090   anyone

  Ctrl-C stops everything.
`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    for (const p of split.processes.values()) void p.exited.then(() => resolve());
  });
  await split.stop();
  await app.close();
  await idp.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`split mode: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
