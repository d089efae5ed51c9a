// Every response leaves through here, with the hardening headers of docs/pomerium-behaviour.md §5: CSP,
// X-Frame-Options, Referrer-Policy, nosniff, no-store.
import type { ServerResponse } from 'node:http';

const HARDENING: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export interface SendOptions {
  readonly headers?: Record<string, string>;
  readonly cookies?: readonly string[];
}

export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  options: SendOptions = {},
): void {
  // a page's own CSP (set by the server from the theme) wins over the default
  const { 'content-security-policy': csp, ...hardening } = HARDENING;
  const headers: Record<string, string | string[]> = {
    ...hardening,
    ...(res.hasHeader('content-security-policy') ? {} : { 'content-security-policy': csp! }),
    'cache-control': 'no-store',
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    ...options.headers,
  };
  if (options.cookies && options.cookies.length > 0) headers['set-cookie'] = [...options.cookies];
  res.writeHead(status, headers);
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, html: string, o?: SendOptions): void {
  send(res, status, 'text/html; charset=utf-8', html, o);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  o?: SendOptions,
): void {
  send(res, status, 'application/json', JSON.stringify(value), o);
}

export function sendText(res: ServerResponse, status: number, text: string, o?: SendOptions): void {
  send(res, status, 'text/plain; charset=utf-8', text, o);
}

/** 302 to `location` (already checked by the caller: never a client-chosen target). */
export function redirect(res: ServerResponse, location: string, o: SendOptions = {}): void {
  send(res, 302, 'text/plain; charset=utf-8', 'Found', {
    ...o,
    headers: { ...o.headers, location },
  });
}
