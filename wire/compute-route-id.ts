// A route's id is its explicit `id`, else a hash of what identifies it: from, prefix, path, regex
// and the upstream URLs with weights (or the redirect/response). Other keys never change it.
import { createHash } from 'node:crypto';

export interface RouteIdentity {
  readonly from: string;
  readonly prefix?: string | undefined;
  readonly path?: string | undefined;
  readonly regex?: string | undefined;
  readonly to?:
    | readonly { readonly url: string; readonly weight?: number | undefined }[]
    | undefined;
  readonly redirect?: unknown;
  readonly response?: unknown;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export function computeRouteId(r: RouteIdentity): string {
  const basis = canonical({
    from: r.from,
    prefix: r.prefix,
    path: r.path,
    regex: r.regex,
    to: r.to?.map((t) => ({ url: t.url, weight: t.weight })),
    redirect: r.redirect,
    response: r.response,
  });
  return createHash('sha256').update(JSON.stringify(basis)).digest('hex').slice(0, 16);
}
