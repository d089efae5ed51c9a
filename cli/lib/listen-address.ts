// Listen addresses as the config writes them (`:443`, `127.0.0.1:8081`, `[::1]:5443`, or a URL's
// host:port) → host and port; `:port` binds every interface like Go's net.Listen.
import { PortcullisError } from '../../errors/index.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` / `:port` / `[v6]:port`; throws CONFIG_INVALID naming `key`. */
export function parseListenAddress(value: string, key: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new PortcullisError('CONFIG_INVALID', `${key}: "${value}" is not a host:port address`);
  }
  const host = m[1] ?? (m[2] === '' || m[2] === undefined ? '0.0.0.0' : m[2]);
  return { host, port };
}

/** Host and port of an http(s) URL (default ports filled in). */
export function urlHostPort(url: string): HostPort {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

/** `host:port` for gRPC targets and logs (`[v6]:port` for IPv6). */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
