// CLI of the development IdP: `node dist/examples/dev-idp/main.js --config users.yaml --port 8900`.
import { parseArgs } from 'node:util';
import { loadDevIdpFile } from './dev-idp-config.js';
import { startDevIdp } from './start-dev-idp.js';

const HELP = `usage: dev-idp --config FILE [--port 8900] [--host 127.0.0.1] [--issuer URL]
Development OpenID provider (oidc-provider) with users and clients from a YAML file.
DEVELOPMENT ONLY: passwords are stored in plain text.`;

async function main(): Promise<number> {
  let values: { config?: string; port?: string; host?: string; issuer?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        issuer: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`--config is required\n${HELP}\n`);
    return 2;
  }
  const file = await loadDevIdpFile(values.config);
  const idp = await startDevIdp({
    port: Number(values.port ?? 8900),
    ...(values.host ? { host: values.host } : {}),
    ...(values.issuer ? { issuer: values.issuer } : {}),
    users: file.users,
    clients: file.clients,
  });
  process.stdout.write(`dev IdP listening, issuer ${idp.issuer}\n`);
  const stop = () => void idp.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`dev-idp: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
