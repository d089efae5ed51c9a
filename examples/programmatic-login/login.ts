// Example client of the programmatic login API (/.pomerium/api/v1/login): a CLI gets a session
// token for a route without copying cookies. Run:
//   node dist/examples/programmatic-login/login.js https://app.example.com [/path/to/call]
// It listens on a loopback port, asks the route for a sign-in URL, you open that URL in a
// browser, and after the login the browser is sent back to the loopback port with pomerium_jwt.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProgrammaticLoginOptions {
  /** Shows the sign-in URL to the user (default: print it). */
  readonly openUrl?: (url: string) => void | Promise<void>;
  /** fetch used to call the route (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Give up after this many ms (default 5 minutes). */
  readonly timeoutMs?: number;
}

/** Runs the programmatic login against `routeUrl`; resolves to the session token (a JWT). */
export async function programmaticLogin(
  routeUrl: string,
  options: ProgrammaticLoginOptions = {},
): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  let deliver: (token: string) => void = () => undefined;
  let refuse: (error: Error) => void = () => undefined;
  const token = new Promise<string>((resolve, reject) => {
    deliver = resolve;
    refuse = reject;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const jwt = url.searchParams.get('pomerium_jwt');
    if (url.pathname !== '/cb' || !jwt) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end('Signed in. You can close this window.');
    deliver(jwt);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const timer = setTimeout(
    () => refuse(new Error('timed out waiting for the login')),
    options.timeoutMs ?? 300_000,
  );
  try {
    const api = new URL('/.pomerium/api/v1/login', routeUrl);
    api.searchParams.set('pomerium_redirect_uri', `http://localhost:${port}/cb`);
    const response = await doFetch(api);
    if (response.status !== 200) throw new Error(`login API answered ${response.status}`);
    const signInUrl = await response.text();
    await (
      options.openUrl ??
      ((u: string) => void process.stdout.write(`Open this URL to sign in:\n${u}\n`))
    )(signInUrl);
    return await token;
  } finally {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  }
}

async function main(): Promise<void> {
  const [routeUrl, path] = process.argv.slice(2);
  if (!routeUrl || routeUrl === '--help') {
    process.stdout.write('usage: login.js ROUTE_URL [PATH]\n');
    process.exitCode = routeUrl ? 0 : 2;
    return;
  }
  const jwt = await programmaticLogin(routeUrl);
  process.stdout.write('Got a session token.\n');
  if (path) {
    // Any of: Authorization: Pomerium <jwt>, Authorization: Bearer Pomerium-<jwt>,
    // X-Pomerium-Authorization: <jwt>. Never log the token itself.
    const r = await fetch(new URL(path, routeUrl), {
      headers: { authorization: `Pomerium ${jwt}` },
    });
    process.stdout.write(`${r.status} ${await r.text()}\n`);
  }
}

if (process.argv[1]?.endsWith('/programmatic-login/login.js')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
