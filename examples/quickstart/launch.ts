// The quickstart (`npm start`): the development IdP on 127.0.0.1:8900, three demo apps on
// 127.0.0.1:9001-9003, and `portcullis start -c examples/quickstart/config.yaml` (all services
// plus a supervised Envoy on 127.0.0.1:8080). Prints the URLs and the demo users; Ctrl-C stops all.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ENVOY_INSTALL_HINT, formatLogLine } from '../../cli/index.js';
import { startDemoApp } from '../demo-app/index.js';
import { loadDevIdpFile, startDevIdp } from '../dev-idp/index.js';
import { ensureEnvoy } from './ensure-envoy.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const CONFIG = join(root, 'examples', 'quickstart', 'config.yaml');
const USERS = join(root, 'examples', 'dev-idp', 'users.yaml');
/** The shipped entry: the bundle's launcher (scripts/generate-cli-bundle.ts). */
const CLI = join(root, 'dist', 'cli', 'portcullis.mjs');
const ENVOY_ADDRESS = '127.0.0.1:8080';

const APPS = [
  { port: 9001, name: 'Engineering app (group engineering)' },
  { port: 9002, name: 'Public app (anyone)' },
  { port: 9003, name: 'Admin app (alice@example.com only)' },
];

async function main(): Promise<number> {
  const envoyBin = ensureEnvoy((line) => process.stderr.write(`quickstart: ${line}\n`));
  if (!envoyBin) {
    process.stderr.write(`quickstart: no envoy binary found: ${ENVOY_INSTALL_HINT}\n`);
    return 1;
  }
  const file = await loadDevIdpFile(USERS);
  const idp = await startDevIdp({ port: 8900, users: file.users, clients: file.clients });
  const apps = await Promise.all(
    APPS.map((a) => startDemoApp({ name: a.name, port: a.port, connect: ENVOY_ADDRESS })),
  );
  const pretty = process.stdout.isTTY === true;
  const child = spawn(process.execPath, [CLI, 'start', '-c', CONFIG, '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ENVOY_BIN: envoyBin },
  });
  const stopAll = async (): Promise<void> => {
    await Promise.all(apps.map((a) => a.close()));
    await idp.close();
  };
  let ready = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    process.stdout.write(`${pretty ? formatLogLine(line, true) : line}\n`);
    if (!ready && /"msg":"ready"/.test(line)) {
      ready = true;
      process.stdout.write(banner());
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  const code = await new Promise<number>((resolve) =>
    child.once('exit', (c, s) => resolve(c ?? (s ? 0 : 1))),
  );
  await stopAll();
  return code;
}

function banner(): string {
  return `
  Portcullis quickstart is running (Envoy on http://${ENVOY_ADDRESS}, dev IdP on http://127.0.0.1:8900).

  Open in a browser:
    http://app.localhost:8080     engineering app: group "engineering" only
    http://public.localhost:8080  public app: anyone, signed in or not
    http://admin.localhost:8080   admin app: alice@example.com only
    http://authenticate.localhost:8080/.pomerium/   who you are

  Demo users (examples/dev-idp/users.yaml):
    alice / alice   groups engineering, admins
    bob   / bob     group sales (gets the 403 page on the engineering app)

  Ctrl-C stops everything.
`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`quickstart: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
