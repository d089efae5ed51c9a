// Whether an environment variable that is no setting looks like one (a Portcullis or Pomerium
// name, a known key family, a near miss of a key): such a variable is reported with a hint.
import { POMERIUM_ONLY_GLOBAL_KEYS, SETTING_FAMILIES } from './pomerium-only-keys.js';
import { suggestKey } from './suggest-key.js';

interface Vocabulary {
  readonly known: ReadonlySet<string>;
  readonly nested: Readonly<Record<string, { keys: readonly string[] }>>;
}

function envNames(vocab: Vocabulary): string[] {
  const out = [...vocab.known];
  for (const [p, { keys }] of Object.entries(vocab.nested))
    for (const k of keys) out.push(`${p}_${k}`);
  return out;
}

/**
 * Variables the `portcullis` process itself reads that are not config settings: the image's
 * health check URL (cli/healthcheck.ts), the Check transport switch
 * (cli/lib/start-authz-service.ts), the start-phase timings (cli/lib/start-phases.ts) and V8's
 * heap growing (cli/lib/heap-growing.ts).
 */
export const PROCESS_VARIABLES: ReadonlySet<string> = new Set([
  'PORTCULLIS_HEALTHCHECK_URL',
  'PORTCULLIS_CHECK_TRANSPORT',
  'PORTCULLIS_START_PHASES',
  'PORTCULLIS_HEAP_GROWING_PERCENT',
]);

/** Why `name` is reported, or undefined when it is not setting-like (PATH, HOME, …). */
export function looksLikeSetting(name: string, vocab: Vocabulary): string | undefined {
  if (PROCESS_VARIABLES.has(name)) return undefined;
  const key = name.toLowerCase();
  const pomerium = POMERIUM_ONLY_GLOBAL_KEYS[key];
  if (pomerium !== undefined) {
    return `Pomerium reads ${name} (${key}: it ${pomerium}); Portcullis does not implement it, so it is ignored`;
  }
  if (!SETTING_FAMILIES.some((f) => key.startsWith(f))) return undefined;
  const near = suggestKey(key.replace(/^(portcullis|pomerium)_/, ''), envNames(vocab));
  const hint = near === undefined ? '' : ` (did you mean ${near.toUpperCase()}?)`;
  return `the environment variable ${name} looks like a setting but is not one, so it is ignored${hint}`;
}
