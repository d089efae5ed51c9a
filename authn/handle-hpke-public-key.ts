// /.well-known/pomerium/hpke-public-key (docs/pomerium-behaviour.md §5): the raw 32-byte X25519
// public key Pomerium derives from shared_secret, as application/octet-stream, CORS allow-all,
// cacheable for 60 s, ETag the FNV-1 64-bit hash in hex (as Pomerium's handler sends it).
import { decodeSecret, deriveHpkePublicKey } from '../wire/index.js';
import type { AuthnState } from './lib/build-authn-state.js';
import type { RequestContext } from './lib/request-context.js';

interface Published {
  readonly key: Buffer;
  readonly etag: string;
}

const cache = new WeakMap<AuthnState, Published>();

function fnv1Hex(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    h ^= BigInt(b);
  }
  return h.toString(16);
}

function published(state: AuthnState): Published {
  let p = cache.get(state);
  if (p === undefined) {
    const key = deriveHpkePublicKey(
      decodeSecret(state.config.shared_secret ?? '', 'shared_secret'),
    );
    p = { key, etag: `"${fnv1Hex(key)}"` };
    cache.set(state, p);
  }
  return p;
}

export async function handleHpkePublicKey(ctx: RequestContext): Promise<void> {
  const { key, etag } = published(ctx.state);
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  };
  if (ctx.req.method === 'OPTIONS') {
    ctx.res.writeHead(204, cors);
    ctx.res.end();
    return;
  }
  const headers = {
    ...cors,
    'cache-control': 'max-age=60',
    'content-type': 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    etag,
  };
  if (ctx.req.headers['if-none-match'] === etag) {
    ctx.res.writeHead(304, headers);
    ctx.res.end();
    return;
  }
  ctx.res.writeHead(200, { ...headers, 'content-length': String(key.length) });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : key);
}
