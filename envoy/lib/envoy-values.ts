// Small conversions from config values to Envoy's JSON forms: durations, listen addresses,
// socket addresses, data sources (inline PEM or a file) and upstream endpoints.
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

export type Json = Record<string, unknown>;

/** Milliseconds → a proto3 JSON Duration (`"1.5s"`). */
export function duration(ms: number): string {
  return `${ms / 1000}s`;
}

/** `:443`, `0.0.0.0:443`, `[::1]:8443`, `127.0.0.1:8080` → host and port (default host 0.0.0.0). */
export function parseListenAddress(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host === 'localhost' ? '127.0.0.1' : host, port };
}

export function socketAddress(host: string, port: number): Json {
  return { socket_address: { address: host, port_value: port } };
}

/** A config value that is either base64 PEM or a file path → an Envoy DataSource. */
export function pemOrFile(value: string, baseDir: string | undefined): Json {
  if (value.includes('-----BEGIN')) return { inline_string: value };
  const decoded = /^[A-Za-z0-9+/=\s]+$/.test(value) ? Buffer.from(value, 'base64').toString() : '';
  if (decoded.includes('-----BEGIN')) return { inline_string: decoded };
  return fileSource(value, baseDir);
}

/** A base64 PEM config value → an inline DataSource. */
export function base64Pem(value: string): Json {
  const text = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString();
  return { inline_string: text };
}

export function fileSource(path: string, baseDir: string | undefined): Json {
  return { filename: baseDir === undefined || isAbsolute(path) ? path : resolve(baseDir, path) };
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly weight?: number | undefined;
  /** The upstream Host with auto_host_rewrite: the `to` URL's host as written, port included. */
  readonly hostHeader?: string | undefined;
}

/** True when every endpoint is an IP address (static cluster), else DNS is needed. */
export function allIps(endpoints: readonly Endpoint[]): boolean {
  return endpoints.every((e) => isIP(e.host) !== 0);
}

/** An upstream URL's host as Envoy wants it (`localhost` → 127.0.0.1, no IPv6 brackets). */
export function upstreamHost(hostname: string): string {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' ? '127.0.0.1' : h;
}

export function loadAssignment(clusterName: string, endpoints: readonly Endpoint[]): Json {
  return {
    cluster_name: clusterName,
    endpoints: [
      {
        lb_endpoints: endpoints.map((e) => ({
          endpoint: { address: socketAddress(e.host, e.port), hostname: e.hostHeader ?? e.host },
          ...(e.weight === undefined ? {} : { load_balancing_weight: e.weight }),
        })),
      },
    ],
  };
}
