// A route's `from` is an external URL without a path (host may hold `*` wildcards); its `to` is one
// or many upstream URLs, weights after a comma, all-or-none, never 0, never mixing stream schemes.
import * as z from 'zod';
import { fail } from './schema-types.js';

const FROM_SCHEMES = new Set(['http:', 'https:', 'tcp+https:', 'udp+https:', 'ssh:']);
const TO_SCHEMES = new Set([
  'http:',
  'https:',
  'h2c:',
  'tcp:',
  'udp:',
  'unix:',
  'https+unix:',
  'ssh:',
]);
const STREAM_SCHEMES = new Set(['tcp:', 'udp:', 'unix:']);

function tryUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

export function fromUrl() {
  return z.string().transform((v, ctx): string => {
    const u = tryUrl(v);
    if (u === undefined || !FROM_SCHEMES.has(u.protocol) || u.hostname === '') {
      fail(ctx, 'invalid_url', 'must be an external URL such as https://app.example.com');
    } else if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
      fail(ctx, 'invalid_url', 'must not contain a path or query (use path, prefix or regex)');
    }
    return v;
  });
}

export interface UpstreamUrl {
  readonly url: string;
  readonly weight?: number;
}

export function toUrls() {
  return z
    .union([z.string(), z.array(z.string()).min(1)])
    .transform((v, ctx): readonly UpstreamUrl[] => {
      const items = typeof v === 'string' ? [v] : v;
      const out: UpstreamUrl[] = [];
      let weighted = 0;
      let stream = 0;
      items.forEach((raw, i) => {
        const comma = raw.lastIndexOf(',');
        const url = comma >= 0 ? raw.slice(0, comma).trim() : raw.trim();
        const w = comma >= 0 ? raw.slice(comma + 1).trim() : undefined;
        const u = tryUrl(url);
        if (
          u === undefined ||
          !TO_SCHEMES.has(u.protocol) ||
          (u.host === '' && !u.protocol.includes('unix'))
        ) {
          fail(
            ctx,
            'invalid_url',
            'must be an upstream URL (http, https, h2c, tcp, udp, unix, https+unix, ssh)',
            [i],
          );
        }
        if (u !== undefined && STREAM_SCHEMES.has(u.protocol)) stream++;
        if (w !== undefined) {
          weighted++;
          if (!/^\d+$/.test(w) || Number(w) === 0) {
            fail(
              ctx,
              'invalid_value',
              'the weight after the comma must be a whole number above 0',
              [i],
            );
          }
          out.push({ url, weight: Number(w) });
        } else out.push({ url });
      });
      if (weighted !== 0 && weighted !== items.length) {
        fail(ctx, 'invalid_value', 'either every upstream URL has a weight or none has');
      }
      if (stream !== 0 && stream !== items.length) {
        fail(
          ctx,
          'invalid_value',
          'tcp, udp and unix upstreams cannot be mixed with other schemes',
        );
      }
      return out;
    });
}
