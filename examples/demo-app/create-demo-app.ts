// The demo upstream app: shows the identity headers it received and whether the signed
// assertion verifies against Portcullis's JWKS. `Accept: application/json` gets the same as JSON.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AssertionCheck,
  type AssertionVerifierOptions,
  createAssertionVerifier,
  NO_ASSERTION,
} from './verify-assertion.js';

export interface DemoAppOptions extends AssertionVerifierOptions {
  /** Shown as the page title, e.g. `engineering app`. */
  readonly name: string;
}

export interface DemoApp {
  readonly port: number;
  close(): Promise<void>;
}

export interface DemoAppReport {
  readonly app: string;
  readonly host: string;
  readonly path: string;
  /** Identity and forwarding headers as received (x-pomerium-*, x-forwarded-*, x-request-id). */
  readonly headers: Readonly<Record<string, string>>;
  /** Names of the cookies that reached the app (values are not shown). */
  readonly cookies: readonly string[];
  /** True when an Authorization header reached the app. */
  readonly authorization: boolean;
  readonly assertion: AssertionCheck;
}

const SHOWN = /^(x-pomerium-|x-forwarded-|x-request-id$|x-envoy-external-address$|traceparent$)/;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function publicOrigin(req: IncomingMessage): string {
  const first = (v: string | string[] | undefined) =>
    (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  const host = first(req.headers['x-forwarded-host']) ?? req.headers.host ?? 'localhost';
  const proto = first(req.headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
  return `${proto}://${host}`;
}

function renderPage(r: DemoAppReport): string {
  const rows = Object.entries(r.headers)
    .map(
      ([k, v]) =>
        `<tr><th>${esc(k)}</th><td data-header="${esc(k)}">${esc(v.length > 120 ? `${v.slice(0, 117)}…` : v)}</td></tr>`,
    )
    .join('');
  const a = r.assertion;
  const verdict = a.verified
    ? `<p id="assertion" data-verified="true">Verified: X-Pomerium-Jwt-Assertion checks out against the JWKS: signed in as <b id="email">${esc(String(a.claims.email ?? ''))}</b>, groups <b id="groups">${esc(JSON.stringify(a.claims.groups ?? []))}</b></p><pre id="claims">${esc(JSON.stringify(a.claims, null, 2))}</pre>`
    : a.error === NO_ASSERTION
      ? // not a fault: the route simply does not pass identity headers (issue 21)
        `<p id="assertion" data-verified="none">This route does not pass identity headers (<code>pass_identity_headers</code> is off), so this app does not know who you are. That is expected for a public route.</p>`
      : `<p id="assertion" data-verified="false">Not verified: ${esc(a.error)}</p>`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.app)}</title>
<style>body{font:15px system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}th{text-align:left;padding-right:1em;vertical-align:top}td{font-family:monospace;word-break:break-all}pre{background:#f4f4f4;padding:1em}</style></head>
<body><h1>${esc(r.app)}</h1><p>You reached <code>${esc(r.host)}${esc(r.path)}</code> through Portcullis.</p>
${verdict}<h2>Identity headers received</h2><table>${rows || '<tr><td>none</td></tr>'}</table>
<p>Cookies that reached the app: ${r.cookies.length ? r.cookies.map((c) => `<code>${esc(c)}</code>`).join(', ') : 'none'}.</p>
<p><a href="/.pomerium/">Who am I (Portcullis)</a> · <a href="/.pomerium/sign_out">Sign out</a></p></body></html>`;
}

export async function startDemoApp(
  options: DemoAppOptions & { readonly port?: number; readonly host?: string },
): Promise<DemoApp> {
  const verify = createAssertionVerifier(options);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (SHOWN.test(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const origin = publicOrigin(req);
    const assertionHeader = req.headers['x-pomerium-jwt-assertion'];
    const report: DemoAppReport = {
      app: options.name,
      host: new URL(origin).host,
      path: url.pathname,
      headers,
      cookies: (req.headers.cookie ?? '')
        .split(';')
        .map((c) => c.split('=')[0]!.trim())
        .filter((c) => c !== ''),
      authorization: req.headers.authorization !== undefined,
      assertion: await verify(
        Array.isArray(assertionHeader) ? assertionHeader[0] : assertionHeader,
        origin,
      ),
    };
    if (/application\/json/.test(req.headers.accept ?? '')) {
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(report));
    } else {
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        })
        .end(renderPage(report));
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('demo app error');
    });
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
