// A route's id is its explicit `id`, else a hash of what identifies it: from, prefix, path, regex
// and the upstream URLs with weights (or the redirect/response). Other keys never change it.
import { hash } from 'node:crypto';

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

/** A value with its object keys sorted and undefined members dropped (JSON.stringify's order). */
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

const member = (key: string, v: unknown): string =>
  v === undefined ? '' : `,"${key}":${JSON.stringify(v)}`;

/**
 * The hashed text is the JSON of {from, path, prefix, redirect, regex, response, to} with sorted
 * keys and undefined members dropped, written directly: ids must never change, and building
 * sorted copies of every route was a twentieth of `portcullis validate` (docs/performance.md).
 */
export function computeRouteId(r: RouteIdentity): string {
  const to =
    r.to === undefined
      ? ''
      : `,"to":[${r.to.map((t) => `{"url":${JSON.stringify(t.url)}${member('weight', t.weight)}}`).join(',')}]`;
  const text =
    `{"from":${JSON.stringify(r.from)}` +
    member('path', r.path) +
    member('prefix', r.prefix) +
    member('redirect', canonical(r.redirect)) +
    member('regex', r.regex) +
    member('response', canonical(r.response)) +
    `${to}}`;
  return hash('sha256', text, 'hex').slice(0, 16);
}
