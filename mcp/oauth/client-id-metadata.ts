// Client ID metadata documents (docs/mcp.md; draft-ietf-oauth-client-id-metadata-document): a
// client whose `client_id` is an https URL publishes its metadata there. Fetching a URL a
// stranger chose is an SSRF risk, so: only hosts in `mcp_allowed_client_id_domains`, https only
// on the default port, no userinfo/fragment/dot segments, every resolved address must be public
// (checked in the socket's own lookup, so DNS rebinding cannot swap it after the check), no
// redirects, a bounded size and a bounded time; the document must name itself as `client_id`.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { clientDomainAllowed } from './client-domains.js';
import { redirectUriProblem } from './redirect-uris.js';

export const CIMD_MAX_BYTES = 5 * 1024;
export const CIMD_TIMEOUT_MS = 5_000;

/** Addresses a metadata fetch may never reach. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** Whether a fetch may connect to this address (public unicast only). */
export function publicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // IPv4-mapped and NAT64 addresses reach the IPv4 address they embed: never dial them
  if (family === 6 && /^(::ffff:|64:ff9b::)/i.test(address)) return false;
  return !PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class ClientMetadataError extends Error {
  /** `domain`: the host is not allowed; `fetch`: could not be fetched; `invalid`: bad document. */
  readonly kind: 'domain' | 'fetch' | 'invalid';
  constructor(message: string, kind: 'domain' | 'fetch' | 'invalid') {
    super(message);
    this.kind = kind;
  }
}

export interface ClientMetadata {
  readonly client_id: string;
  readonly client_name: string;
  readonly redirect_uris: readonly string[];
}

export interface FetchClientMetadataOptions {
  readonly allowedDomains: readonly string[];
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** Tests: trust this CA, resolve names their own way, allow their loopback server. */
  readonly ca?: string;
  readonly lookup?: typeof dnsLookup;
  readonly allowAddress?: (address: string) => boolean;
  /** Tests: dial this port instead of 443 (client ids themselves must use 443). */
  readonly port?: number;
}

/** Whether `clientId` is a URL client id (an https URL): else it is a registered id. */
export function isClientIdUrl(clientId: string): boolean {
  return clientId.startsWith('https://');
}

/** The URL of a client id, or why it is not a usable metadata URL. */
export function clientIdUrl(clientId: string): URL {
  let u: URL;
  try {
    u = new URL(clientId);
  } catch {
    throw new ClientMetadataError('the client_id is not a URL', 'invalid');
  }
  if (u.protocol !== 'https:') throw new ClientMetadataError('client_id must be https', 'invalid');
  if (u.username || u.password || u.hash || clientId.includes('#')) {
    throw new ClientMetadataError('client_id may not carry userinfo or a fragment', 'invalid');
  }
  if (u.port !== '') throw new ClientMetadataError('client_id must use port 443', 'invalid');
  if (u.pathname === '/' || /\/\.\.?(\/|$)/.test(clientId.slice(u.origin.length))) {
    throw new ClientMetadataError('client_id needs a path without dot segments', 'invalid');
  }
  if (u.toString() !== clientId) {
    throw new ClientMetadataError('client_id must be a normalised URL', 'invalid');
  }
  return u;
}

function getDocument(url: URL, o: FetchClientMetadataOptions): Promise<string> {
  const timeoutMs = o.timeoutMs ?? CIMD_TIMEOUT_MS;
  const maxBytes = o.maxBytes ?? CIMD_MAX_BYTES;
  const allow = o.allowAddress ?? publicAddress;
  const resolve = o.lookup ?? dnsLookup;
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        ...(o.ca ? { ca: o.ca } : {}),
        ...(o.port ? { port: o.port } : {}),
        agent: false,
        // the address check lives in the socket's lookup: what is checked is what is dialled
        lookup: (hostname, options, callback) => {
          resolve(hostname, { ...options, all: true }, (err, addresses) => {
            if (err) return callback(err, '', 4);
            const list = (addresses as unknown as LookupAddress[]).filter((a) => allow(a.address));
            if (list.length === 0) {
              return callback(new Error('the host resolves to no public address'), '', 4);
            }
            if ((options as { all?: boolean }).all) {
              return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
            }
            return callback(null, list[0]!.address, list[0]!.family);
          });
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new ClientMetadataError(`the metadata answered ${res.statusCode}`, 'fetch'));
          return;
        }
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > maxBytes) {
          res.destroy();
          fail(new ClientMetadataError('the metadata document is too large', 'fetch'));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            res.destroy();
            fail(new ClientMetadataError('the metadata document is too large', 'fetch'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => fail(new ClientMetadataError(e.message, 'fetch')));
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy(new ClientMetadataError('the metadata fetch timed out', 'fetch'));
    });
    const deadline = setTimeout(() => {
      req.destroy(new ClientMetadataError('the metadata fetch timed out', 'fetch'));
    }, timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (e) =>
      fail(e instanceof ClientMetadataError ? e : new ClientMetadataError(e.message, 'fetch')),
    );
    req.end();
  });
}

/** Fetches and checks the metadata document of a URL client id. */
export async function fetchClientMetadata(
  clientId: string,
  o: FetchClientMetadataOptions,
): Promise<ClientMetadata> {
  const url = clientIdUrl(clientId);
  if (!clientDomainAllowed(url.hostname, o.allowedDomains)) {
    throw new ClientMetadataError(
      `the client domain ${url.hostname} is not in mcp_allowed_client_id_domains`,
      'domain',
    );
  }
  const text = await getDocument(url, o);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ClientMetadataError('the metadata document is not JSON', 'invalid');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ClientMetadataError('the metadata document is not an object', 'invalid');
  }
  const d = doc as Record<string, unknown>;
  if (d.client_id !== clientId) {
    throw new ClientMetadataError('the document does not name itself as client_id', 'invalid');
  }
  const uris = d.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0) {
    throw new ClientMetadataError('the document lists no redirect_uris', 'invalid');
  }
  for (const u of uris) {
    const problem = redirectUriProblem(u);
    if (problem !== null) throw new ClientMetadataError(problem, 'invalid');
  }
  const method = d.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none') {
    throw new ClientMetadataError('a metadata client must be public (auth method none)', 'invalid');
  }
  return {
    client_id: clientId,
    client_name: typeof d.client_name === 'string' ? d.client_name.slice(0, 200) : '',
    redirect_uris: uris as string[],
  };
}
