// `portcullis validate --compat`: the status of every key a (Pomerium) config sets — implemented,
// implemented with a deliberate difference, warned (accepted or known but not implemented),
// refused (removed), or unknown — so a team moving from Pomerium sees the whole picture at once
// (docs/migrating-from-pomerium.md).
import { parse as parseYaml } from 'yaml';
import {
  ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS,
  ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS,
  POMERIUM_ONLY_GLOBAL_KEYS,
  POMERIUM_ONLY_ROUTE_KEYS,
} from './lib/pomerium-only-keys.js';
import { REMOVED_GLOBAL_KEYS, REMOVED_ROUTE_KEYS } from './lib/removed-keys.js';
import { ROUTE_KEYS } from './route-schema.js';
import { GLOBAL_KEYS } from './schema.js';

export type KeyStatusKind = 'implemented' | 'difference' | 'warned' | 'removed' | 'unknown';

export interface KeyStatus {
  /** `idp_provider_url`, or `routes[].allow_websockets` for a route key. */
  readonly key: string;
  readonly status: KeyStatusKind;
  readonly note: string;
}

/** Keys Portcullis implements on purpose differently from Pomerium (docs/architecture.md). */
const DIFFERENCES: Readonly<Record<string, string>> = {
  idp_provider_url: 'plain http:// only on loopback (Pomerium accepts any http URL)',
  cookie_same_site: 'Lax by default (Pomerium sends no attribute unless set)',
  signing_key: 'required in split mode; never derived from shared_secret',
  'routes[].policy': 'PPL plus date, day_of_week and time_of_day; device criteria refused',
  groups_claim: 'Portcullis only: where groups come from (Pomerium uses directory sync)',
};

function classify(
  key: string,
  label: string,
  known: ReadonlySet<string>,
  accepted: Readonly<Record<string, string>>,
  pomeriumOnly: Readonly<Record<string, string>>,
  removed: Readonly<Record<string, string>>,
): KeyStatus {
  if (known.has(key)) {
    const what = accepted[key];
    if (what !== undefined) {
      return { key: label, status: 'warned', note: `accepted, not implemented (Pomerium ${what})` };
    }
    const diff = DIFFERENCES[label];
    if (diff !== undefined) return { key: label, status: 'difference', note: diff };
    return { key: label, status: 'implemented', note: '' };
  }
  if (Object.hasOwn(pomeriumOnly, key)) {
    return {
      key: label,
      status: 'warned',
      note: `not implemented (Pomerium ${pomeriumOnly[key]})`,
    };
  }
  if (Object.hasOwn(removed, key)) return { key: label, status: 'removed', note: removed[key]! };
  return { key: label, status: 'unknown', note: 'no Pomerium or Portcullis key of this name' };
}

/** The status of every key set in `text` (top level, then route keys, each once, sorted). */
export function describeKeyStatus(text: string): KeyStatus[] {
  const doc = parseYaml(text) as unknown;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [];
  const raw = doc as Record<string, unknown>;
  const global = new Set(GLOBAL_KEYS);
  const route = new Set(ROUTE_KEYS);
  const out = new Map<string, KeyStatus>();
  for (const key of Object.keys(raw)) {
    out.set(
      key,
      classify(
        key,
        key,
        global,
        ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS,
        POMERIUM_ONLY_GLOBAL_KEYS,
        REMOVED_GLOBAL_KEYS,
      ),
    );
  }
  for (const list of ['policy', 'routes']) {
    const routes = raw[list];
    if (!Array.isArray(routes)) continue;
    for (const r of routes) {
      if (r === null || typeof r !== 'object' || Array.isArray(r)) continue;
      for (const key of Object.keys(r)) {
        const label = `routes[].${key}`;
        if (out.has(label)) continue;
        out.set(
          label,
          classify(
            key,
            label,
            route,
            ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS,
            POMERIUM_ONLY_ROUTE_KEYS,
            REMOVED_ROUTE_KEYS,
          ),
        );
      }
    }
  }
  return [...out.values()];
}
