// The one HTTP call of the ACME client: node:https with an optional trusted CA (autocert_trusted_ca),
// a deadline, and a capped body. Global fetch cannot take a CA on Node 20 without undici.
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface HttpOptions {
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** PEM CA bundle trusted besides the system roots (Pomerium: appended to them). */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

const MAX_BODY = 1 << 20;

export function httpsRequest(url: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const lib = u.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: {
          'user-agent': 'portcullis-acme',
          ...(opts.body !== undefined ? { 'content-length': Buffer.byteLength(opts.body) } : {}),
          ...opts.headers,
        },
        ...(opts.ca !== undefined && u.protocol === 'https:'
          ? { ca: [...rootCertificates, opts.ca] }
          : {}),
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error(`response from ${u.host} is too large`));
          else chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} in time`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
