// Every top-level key can be set by its upper-cased environment variable (SHARED_SECRET,
// COOKIE_EXPIRE, ROUTES/POLICY as base64 or raw YAML/JSON); env wins over the file.
import { parse as parseYaml } from 'yaml';

/** Keys whose env value is taken verbatim (never YAML-typed), e.g. secrets and addresses. */
function decodeStructured(value: string): unknown {
  const trimmed = value.trim();
  if (/^[A-Za-z0-9+/=_-]+$/.test(trimmed) && trimmed.length % 4 === 0 && trimmed.length > 0) {
    const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
    if (/^\s*[[{-]/.test(decoded)) return parseYaml(decoded);
  }
  return parseYaml(value);
}

export interface EnvOverrideResult {
  /** key → env var name, for keys that came from the environment. */
  readonly fromEnv: Map<string, string>;
  /** Env vars whose value could not be parsed. */
  readonly errors: { name: string; key: string; message: string }[];
}

export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  known: ReadonlySet<string>,
  stringKeys: ReadonlySet<string>,
): EnvOverrideResult {
  const fromEnv = new Map<string, string>();
  const errors: EnvOverrideResult['errors'] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name !== name.toUpperCase()) continue;
    const key = name.toLowerCase();
    if (!known.has(key)) continue;
    try {
      let v: unknown;
      if (key === 'routes' || key === 'policy') v = decodeStructured(value);
      else if (stringKeys.has(key)) v = value;
      else v = value.trim() === '' ? value : parseYaml(value);
      raw[key] = v;
      fromEnv.set(key, name);
    } catch {
      errors.push({
        name,
        key,
        message: `the environment variable ${name} is not valid YAML or JSON`,
      });
    }
  }
  return { fromEnv, errors };
}
