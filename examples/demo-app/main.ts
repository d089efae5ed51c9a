// CLI of the demo app: `node dist/examples/demo-app/main.js --port 9001 --name "engineering app"
// --connect 127.0.0.1:8080` (or `--jwks-url URL`). Stops on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startDemoApp } from './create-demo-app.js';

const HELP = `usage: demo-app --port N [--host 127.0.0.1] [--name NAME] (--connect HOST:PORT | --jwks-url URL)
Upstream app that shows the identity headers it received and verifies X-Pomerium-Jwt-Assertion.
  --connect HOST:PORT  fetch <public host>/.well-known/pomerium/jwks.json through this proxy address
  --jwks-url URL       fetch the JWKS from this URL instead`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    name: { type: 'string' },
    connect: { type: 'string' },
    'jwks-url': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || (!values.connect && !values['jwks-url'])) {
  process.stdout.write(`${HELP}\n`);
  process.exit(values.help ? 0 : 2);
}
const app = await startDemoApp({
  name: values.name ?? 'demo app',
  port: Number(values.port ?? 0),
  ...(values.host ? { host: values.host } : {}),
  ...(values.connect ? { connect: values.connect } : {}),
  ...(values['jwks-url'] ? { jwksUrl: values['jwks-url'] } : {}),
});
process.stdout.write(`demo app "${values.name ?? 'demo app'}" listening on port ${app.port}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
