// Every key can be set by its environment variable, as in Pomerium (docs/pomerium-behaviour.md
// §2.3): a top-level key by its upper-cased name (SHARED_SECRET, COOKIE_EXPIRE, ROUTES/POLICY as
// base64 or raw YAML/JSON), a nested key by the path joined with `_` (downstream_mtls.ca_file →
// DOWNSTREAM_MTLS_CA_FILE). The environment wins over the file. A variable that looks like a
// setting but is none (PORTCULLIS_*, POMERIUM_*, a known key family) is reported, never dropped
// silently: an ignored DOWNSTREAM_MTLS_CA would fail open.
import { parse as parseYaml } from 'yaml';
import { looksLikeSetting } from './env-setting-names.js';

function decodeStructured(value: string): unknown {
  const trimmed = value.trim();
  if (/^[A-Za-z0-9+/=_-]+$/.test(trimmed) && trimmed.length % 4 === 0 && trimmed.length > 0) {
    const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
    if (/^\s*[[{-]/.test(decoded)) return parseYaml(decoded);
  }
  return parseYaml(value);
}

export interface EnvOverrideResult {
  /** key (or `parent.child` for a nested key) → env var name, for values from the environment. */
  readonly fromEnv: Map<string, string>;
  /** Env vars whose value could not be parsed. */
  readonly errors: { name: string; path: readonly string[]; message: string }[];
  /** Env vars that look like settings but are not read (name and why). */
  readonly ignored: { name: string; message: string }[];
}

export interface EnvVocabulary {
  /** Top-level keys. */
  readonly known: ReadonlySet<string>;
  /** Top-level keys whose value is a string (taken verbatim, never YAML-typed). */
  readonly stringKeys: ReadonlySet<string>;
  /** Object-valued top-level keys → their child keys, and which children are strings. */
  readonly nested: Readonly<
    Record<string, { keys: readonly string[]; strings: readonly string[] }>
  >;
}

/** `ca` and `ca_file` (any `x` / `x_file` pair): the one set in the environment wins. */
function dropFileTwin(obj: Record<string, unknown>, child: string, envSet: Set<string>): void {
  const twin = child.endsWith('_file') ? child.slice(0, -5) : `${child}_file`;
  if (!envSet.has(twin)) delete obj[twin];
}

export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  vocab: EnvVocabulary,
): EnvOverrideResult {
  const fromEnv = new Map<string, string>();
  const errors: EnvOverrideResult['errors'] = [];
  const ignored: EnvOverrideResult['ignored'] = [];
  const typed = (value: string, asString: boolean): unknown =>
    asString ? value : value.trim() === '' ? value : parseYaml(value);
  const nestedFromEnv = new Map<string, Set<string>>();
  // Top-level keys first, so that a nested variable refines an object set as a whole.
  // Plain code-unit order for ties (localeCompare would start ICU's collator: ~5 ms of a start).
  const names = Object.keys(env).sort(
    (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const name of names) {
    const value = env[name];
    if (value === undefined || name !== name.toUpperCase()) continue;
    const key = name.toLowerCase();
    let path: string[] = [key];
    try {
      if (vocab.known.has(key)) {
        let v: unknown;
        if (key === 'routes' || key === 'policy') v = decodeStructured(value);
        else v = typed(value, vocab.stringKeys.has(key));
        raw[key] = v;
        fromEnv.set(key, name);
        continue;
      }
      const parent = Object.keys(vocab.nested).find((p) => key.startsWith(`${p}_`));
      const child = parent === undefined ? undefined : key.slice(parent.length + 1);
      if (
        parent !== undefined &&
        child !== undefined &&
        vocab.nested[parent]!.keys.includes(child)
      ) {
        const current = raw[parent];
        const obj =
          current !== null && typeof current === 'object' && !Array.isArray(current)
            ? (current as Record<string, unknown>)
            : {};
        raw[parent] = obj;
        path = [parent, child];
        obj[child] = typed(value, vocab.nested[parent]!.strings.includes(child));
        const set = nestedFromEnv.get(parent) ?? new Set<string>();
        set.add(child);
        nestedFromEnv.set(parent, set);
        fromEnv.set(`${parent}.${child}`, name);
        continue;
      }
      const why = looksLikeSetting(name, vocab);
      if (why !== undefined) ignored.push({ name, message: why });
    } catch {
      errors.push({
        name,
        path,
        message: `the environment variable ${name} is not valid YAML or JSON`,
      });
    }
  }
  for (const [parent, set] of nestedFromEnv) {
    const obj = raw[parent] as Record<string, unknown>;
    for (const child of set) dropFileTwin(obj, child, set);
  }
  return { fromEnv, errors, ignored };
}
