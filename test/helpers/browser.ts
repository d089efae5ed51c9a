// A scriptable "browser" for integration tests: node:http requests with a cookie jar (host-only
// and Domain cookies, Path, Max-Age/Expires), manual redirects, and virtual hosts mapped to
// loopback ports (so `https://app.example.com/…` reaches a local server with that Host header).
import { request as httpRequest } from 'node:http';

export interface BrowserResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly setCookies: readonly string[];
  readonly body: string;
  readonly location: string | null;
}

interface Cookie {
  name: string;
  value: string;
  host: string;
  domain: string | null;
  path: string;
  expires: number;
}

export class CookieJar {
  readonly cookies: Cookie[] = [];

  store(url: URL, header: string): void {
    const [pair, ...attrs] = header.split(';');
    const eq = (pair ?? '').indexOf('=');
    if (eq <= 0) return;
    const c: Cookie = {
      name: (pair as string).slice(0, eq).trim(),
      value: (pair as string).slice(eq + 1).trim(),
      host: url.hostname,
      domain: null,
      path: '/',
      expires: Number.POSITIVE_INFINITY,
    };
    for (const a of attrs) {
      const [k, v = ''] = a.split('=').map((s) => s.trim());
      const key = (k ?? '').toLowerCase();
      if (key === 'domain' && v) c.domain = v.replace(/^\./, '').toLowerCase();
      if (key === 'path' && v.startsWith('/')) c.path = v;
      if (key === 'max-age') c.expires = Date.now() + Number(v) * 1000;
      if (key === 'expires' && c.expires === Number.POSITIVE_INFINITY) c.expires = Date.parse(v);
    }
    const i = this.cookies.findIndex(
      (o) =>
        o.name === c.name &&
        o.path === c.path &&
        o.domain === c.domain &&
        (c.domain !== null || o.host === c.host),
    );
    if (i >= 0) this.cookies.splice(i, 1);
    if (c.expires > Date.now()) this.cookies.push(c);
  }

  get(url: string | URL, name: string): string | undefined {
    return this.matching(new URL(String(url))).find((c) => c.name === name)?.value;
  }

  header(url: URL): string {
    return this.matching(url)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private matching(url: URL): Cookie[] {
    const now = Date.now();
    return this.cookies.filter((c) => {
      if (c.expires <= now) return false;
      const hostOk = c.domain
        ? url.hostname === c.domain || url.hostname.endsWith(`.${c.domain}`)
        : url.hostname === c.host;
      const pathOk =
        url.pathname === c.path ||
        url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`);
      return hostOk && pathOk;
    });
  }
}

export class Browser {
  readonly jar = new CookieJar();
  /** Virtual hostname → loopback port. Other hosts are connected to as given. */
  readonly hosts: Map<string, number>;

  constructor(hosts: Record<string, number> = {}) {
    this.hosts = new Map(Object.entries(hosts));
  }

  async request(
    method: string,
    url: string,
    options: { headers?: Record<string, string>; form?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    const u = new URL(url);
    const mapped = this.hosts.get(u.hostname);
    const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
    const headers: Record<string, string> = {
      host: u.host,
      accept: 'text/html',
      ...(mapped ? { 'x-forwarded-proto': u.protocol.slice(0, -1) } : {}),
      ...options.headers,
    };
    const cookie = this.jar.header(u);
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: mapped ?? Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
          method,
          path: `${u.pathname}${u.search}`,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const setCookies = res.headers['set-cookie'] ?? [];
            for (const sc of setCookies) this.jar.store(u, sc);
            const flat: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            const location = res.headers.location
              ? new URL(res.headers.location, u).toString()
              : null;
            resolve({
              url,
              status: res.statusCode ?? 0,
              headers: flat,
              setCookies,
              body: Buffer.concat(chunks).toString('utf8'),
              location,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  get(url: string, headers?: Record<string, string>): Promise<BrowserResponse> {
    return this.request('GET', url, headers ? { headers } : {});
  }

  /** Follows redirects (GET) until a non-3xx answer or `stop(url)` is true; returns every hop. */
  async follow(
    url: string,
    options: { max?: number; stop?: (url: URL) => boolean } = {},
  ): Promise<BrowserResponse[]> {
    const hops: BrowserResponse[] = [];
    let next: string | null = url;
    for (let i = 0; next && i < (options.max ?? 20); i++) {
      if (options.stop?.(new URL(next))) break;
      const r = await this.get(next);
      hops.push(r);
      next = r.status >= 300 && r.status < 400 ? r.location : null;
    }
    return hops;
  }
}

/** Reads `<form ... action="…">` and its hidden inputs from an HTML page. */
export function readForm(
  html: string,
  id?: string,
): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  const form = id ? forms.find((f) => f[1]?.includes(`id="${id}"`)) : forms[0];
  if (!form) throw new Error('no form in page');
  const action = /action="([^"]*)"/.exec(form[1] ?? '')?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input\b([^>]*)>/g)) {
    const name = /name="([^"]*)"/.exec(input[1] ?? '')?.[1];
    const value = /value="([^"]*)"/.exec(input[1] ?? '')?.[1] ?? '';
    if (name && /type="hidden"/.test(input[1] ?? '')) fields[name] = decodeEntities(value);
  }
  return { action: decodeEntities(action), fields };
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}
