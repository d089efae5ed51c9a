// The official MCP TypeScript SDK on both ends of an e2e test (docs/mcp.md): an SDK-built MCP
// server (Streamable HTTP, stateless) with the tools the tests call, an in-memory OAuth client
// provider for the SDK client, a loopback redirect receiver, and a fetch that reaches
// `*.localhost` route hosts on 127.0.0.1 (Node does not resolve them; Chromium does).
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { z } from 'zod';

export interface SdkMcpServer {
  readonly port: number;
  /** Authorization headers the upstream saw (none of ours may reach it). */
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** An SDK MCP server with `add` (allowed by the tests' policy) and `admin_drop` (denied). */
export async function startSdkMcpServer(): Promise<SdkMcpServer> {
  const authorizations: (string | undefined)[] = [];
  const build = () => {
    const server = new McpServer({ name: 'e2e tools', version: '1.0.0' });
    server.registerTool(
      'add',
      { description: 'adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
      async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
    );
    server.registerTool(
      'admin_drop',
      { description: 'drops everything', inputSchema: {} },
      async () => ({ content: [{ type: 'text', text: 'dropped' }] }),
    );
    return server;
  };
  const http: Server = createServer(async (req, res) => {
    authorizations.push(req.headers.authorization);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, text === '' ? undefined : JSON.parse(text));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    port: (http.address() as AddressInfo).port,
    authorizations,
    close: () =>
      new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      }),
  };
}

/** `fetch` for the SDK: `http://x.localhost:PORT/…` is dialled on 127.0.0.1:PORT, Host kept. */
export function loopbackFetch(): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(
      input instanceof Request
        ? input.headers
        : (init.headers as ConstructorParameters<typeof Headers>[0]),
    );
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let body: Buffer | undefined;
    const raw = init.body ?? (input instanceof Request ? await input.text() : undefined);
    if (typeof raw === 'string') body = Buffer.from(raw);
    else if (raw instanceof URLSearchParams) {
      body = Buffer.from(raw.toString());
      if (!headers.has('content-type')) {
        headers.set('content-type', 'application/x-www-form-urlencoded');
      }
    } else if (raw != null) throw new Error('loopbackFetch: unsupported body');
    const host = url.hostname.endsWith('.localhost') ? '127.0.0.1' : url.hostname;
    const out: Record<string, string> = {};
    headers.forEach((v, k) => {
      out[k] = v;
    });
    out.host = url.host;
    if (body) out['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        { host, port: url.port || 80, path: `${url.pathname}${url.search}`, method, headers: out },
        (res) => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const x of v) h.append(k, x);
            else if (v !== undefined) h.set(k, v);
          }
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 304 || method === 'HEAD';
          if (empty) res.resume();
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream), {
              status,
              headers: h,
            }),
          );
        },
      );
      init.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')));
      req.on('error', reject);
      req.end(body);
    });
  }) as typeof fetch;
}

/** A loopback redirect URI (`/callback`) that resolves with the query each time the browser lands on it. */
export interface RedirectReceiver {
  readonly url: string;
  /** The next landing's query. */
  next(): Promise<URLSearchParams>;
  /** Every landing so far. */
  readonly landings: URLSearchParams[];
  close(): Promise<void>;
}

export async function startRedirectReceiver(): Promise<RedirectReceiver> {
  const landings: URLSearchParams[] = [];
  let waiting: ((q: URLSearchParams) => void) | null = null;
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      // Chromium asks for /favicon.ico after a landing, sometimes late: not a landing
      res.writeHead(404).end();
      return;
    }
    const q = url.searchParams;
    landings.push(q);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('you may close this window');
    waiting?.(q);
    waiting = null;
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/callback`,
    landings,
    next: () =>
      new Promise((r) => {
        waiting = r;
      }),
    close: () =>
      new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      }),
  };
}

/** The SDK's OAuth client provider, in memory; the authorization URL is handed to `onRedirect`. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  readonly redirects: URL[] = [];
  readonly #redirectUrl: string;
  readonly #onRedirect: (url: URL) => void;
  constructor(redirectUrl: string, onRedirect: (url: URL) => void) {
    this.#redirectUrl = redirectUrl;
    this.#onRedirect = onRedirect;
  }
  get redirectUrl(): string {
    return this.#redirectUrl;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'portcullis e2e MCP client',
      redirect_uris: [this.#redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.redirects.push(url);
    this.#onRedirect(url);
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}
