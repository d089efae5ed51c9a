// Parses one configuration text (YAML or JSON) into a validated, deep-frozen Config, or throws a
// ConfigError listing every problem with file:line:column and key path.
import { dirname, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { ConfigError, type ConfigIssue, formatPath } from './config-error.js';
import { applyEnvOverrides, type EnvVocabulary } from './lib/apply-env-overrides.js';
import { checkEdgeGlobalRules, checkEdgeRouteRules } from './lib/check-edge-rules.js';
import { checkGlobalRules } from './lib/check-global-rules.js';
import { checkIdpProvider } from './lib/check-idp-provider.js';
import { checkIdpUrl } from './lib/check-idp-url.js';
import { checkRouteRules } from './lib/check-route-rules.js';
import { type CompactPositions, compactPositions } from './lib/compact-positions.js';
import { deepFreeze } from './lib/deep-freeze.js';
import { findInsecureSettings } from './lib/find-insecure-settings.js';
import { findPomeriumKeys } from './lib/find-pomerium-keys.js';
import { findShadowedRoutes } from './lib/find-shadowed-routes.js';
import { locateNode, type Position } from './lib/locate-node.js';
import { type KeyVocabulary, mapZodIssue } from './lib/map-zod-issue.js';
import type { RawIssue } from './lib/raw-issue.js';
import { readSecretFiles } from './lib/read-secret-files.js';
import { readYamlFast } from './lib/read-yaml-fast.js';
import { type TopLevelPositions, topLevelPositions } from './lib/top-level-positions.js';
import { ROUTE_KEYS, redirectSchema, responseSchema } from './route-schema.js';
import {
  type Config,
  configSchema,
  downstreamMtlsSchema,
  FILE_SECRET_KEYS,
  fileSchema,
  GLOBAL_KEYS,
} from './schema.js';

export interface ParseOptions {
  /** Shown in messages and used to resolve relative `*_file` paths. */
  readonly file: string;
  /** Environment overrides (default: none; loadConfigFile passes process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Drop keys nobody knows with a warning instead of refusing them (`--allow-unknown-keys`). */
  readonly allowUnknownKeys?: boolean;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly file: string;
  /**
   * Position of a key path in the source, with `routes` indexed as in `config.routes` (legacy
   * `policy:` entries first), e.g. `['routes', 3, 'policy', 'allow', 'and', 0]`. Undefined when the
   * value came from the environment.
   */
  locate(path: readonly (string | number)[]): Position | undefined;
  /**
   * Unsafe but allowed settings (code `insecure_setting`) and keys taken but not honoured (code
   * `unimplemented_key`); services log them at start, `portcullis validate` prints them.
   */
  readonly warnings: readonly ConfigIssue[];
}

const VOCAB: KeyVocabulary = {
  global: GLOBAL_KEYS,
  route: ROUTE_KEYS,
  nested: {
    redirect: Object.keys(redirectSchema.shape),
    response: Object.keys(responseSchema.shape),
    downstream_mtls: [
      'ca',
      'ca_file',
      'crl',
      'crl_file',
      'enforcement',
      'match_subject_alt_names',
      'max_verify_depth',
    ],
    certificates: ['cert', 'key'],
    rewrite_response_headers: ['header', 'prefix', 'value'],
  },
};

/** The type of a schema under its wrappers (optional, default, pipe, …): `string`, `object`, … */
function baseType(schema: z.ZodType): string {
  let s: z.ZodType = schema;
  for (;;) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodReadonly
    ) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s.def.type;
  }
}

const stringKeysOf = (shape: Record<string, z.ZodType>): string[] =>
  Object.entries(shape)
    .filter(([, s]) => baseType(s) === 'string')
    .map(([k]) => k);

const KEY_SETS = { global: new Set(GLOBAL_KEYS), route: new Set(ROUTE_KEYS) };

const ENV_VOCAB: EnvVocabulary = {
  known: new Set(GLOBAL_KEYS),
  stringKeys: new Set(stringKeysOf(fileSchema.shape)),
  nested: {
    downstream_mtls: {
      keys: VOCAB.nested.downstream_mtls!,
      strings: stringKeysOf(downstreamMtlsSchema.shape),
    },
  },
};

/** `key:` with no value means unset (as in Pomerium), at the top level and in routes. */
function dropNulls(raw: Record<string, unknown>): void {
  const drop = (o: Record<string, unknown>): void => {
    for (const k of Object.keys(o)) if (o[k] === null) delete o[k];
  };
  drop(raw);
  for (const list of [raw.policy, raw.routes]) {
    if (!Array.isArray(list)) continue;
    for (const r of list) if (r !== null && typeof r === 'object' && !Array.isArray(r)) drop(r);
  }
}

function findDuplicateIds(config: Config, policyLen: number, out: RawIssue[]): void {
  const seen = new Map<string, number>();
  config.routes.forEach((r, i) => {
    const first = seen.get(r.id);
    if (first !== undefined) {
      const path = i < policyLen ? ['policy', i] : ['routes', i - policyLen];
      out.push({
        code: 'duplicate_route_id',
        path: [...path, 'id'],
        message: `route id "${r.id}" is used by an earlier route too (give each route a unique id, from/path or to)`,
      });
    } else seen.set(r.id, i);
  });
}

interface SourceDoc {
  readonly doc: Document;
  readonly lines: LineCounter;
}

function parseSource(text: string, file: string): SourceDoc {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e): ConfigIssue => {
        const p = lines.linePos(e.pos[0]);
        const message = e.message.split('\n')[0]!;
        return { code: 'yaml_syntax', file, line: p.line, column: p.col, path: '', message };
      }),
    );
  }
  return { doc, lines };
}

export function parseConfigText(text: string, opts: ParseOptions): LoadedConfig {
  const file = opts.file;
  // JSON and plain YAML take a fast path (config/lib/read-yaml-fast.ts); the positioned YAML
  // document is then built only when a position is needed.
  let source: SourceDoc | undefined;
  const getSource = (): SourceDoc => {
    source ??= parseSource(text, file);
    return source;
  };
  let js: unknown;
  if (/^\s*\{/.test(text)) {
    try {
      js = JSON.parse(text);
    } catch {
      js = undefined;
    }
  }
  // The fast reader's top-level keys in document order (before nulls are dropped and the
  // environment adds keys): what lets a top-level key be positioned without the document.
  let fastKeys: readonly string[] | undefined;
  if (js === undefined) {
    const fast = readYamlFast(text);
    if (fast !== undefined) js = fast ?? {};
    if (fast !== null && typeof fast === 'object' && !Array.isArray(fast)) {
      fastKeys = Object.keys(fast);
    }
  }
  if (js === undefined) {
    try {
      js = getSource().doc.toJS({ maxAliasCount: 1000 }) ?? {};
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      // e.g. "Excessive alias count" (a billion-laughs document)
      const message = err instanceof Error ? err.message : 'the document cannot be read';
      throw new ConfigError([{ code: 'yaml_syntax', file, line: 1, column: 1, path: '', message }]);
    }
  }
  const raws: RawIssue[] = [];
  if (typeof js !== 'object' || Array.isArray(js)) {
    raws.push({
      code: 'invalid_type',
      path: [],
      message: 'the configuration must be a map of keys',
    });
  }
  const raw = (typeof js === 'object' && !Array.isArray(js) ? js : {}) as Record<string, unknown>;
  dropNulls(raw);
  const env = applyEnvOverrides(raw, opts.env ?? {}, ENV_VOCAB);
  const aliases = readSecretFiles(raw, FILE_SECRET_KEYS, dirname(resolve(file)), env.fromEnv, raws);
  const keyWarnings = findPomeriumKeys(raw, KEY_SETS, opts.allowUnknownKeys === true, raws);
  checkGlobalRules(raw, raws);
  checkEdgeGlobalRules(raw, raws);
  for (const list of ['policy', 'routes'] as const) {
    const routes = raw[list];
    if (!Array.isArray(routes)) continue;
    routes.forEach((r, i) => {
      if (r !== null && typeof r === 'object' && !Array.isArray(r)) {
        checkRouteRules(r as Record<string, unknown>, [list, i], raws);
        checkEdgeRouteRules(r as Record<string, unknown>, [list, i], raws);
      }
    });
  }
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) for (const issue of parsed.error.issues) mapZodIssue(issue, VOCAB, raws);
  const policyLen = Array.isArray(raw.policy) ? raw.policy.length : 0;
  if (parsed.success) findDuplicateIds(parsed.data, policyLen, raws);
  const idpWarnings: RawIssue[] = [];
  if (parsed.success) checkIdpProvider(parsed.data as Config, raws, idpWarnings);
  for (const e of env.errors)
    raws.push({ code: 'invalid_value', path: e.path, message: e.message });

  let topLevel: TopLevelPositions | null | undefined;
  const position = (at: readonly PropertyKey[], atKey = false): { file: string } & Position => {
    const alias = typeof at[0] === 'string' ? aliases.get(at[0]) : undefined;
    const path = alias === undefined ? at : [alias, ...at.slice(1)];
    const top = path[0];
    const envName =
      typeof top === 'string'
        ? (env.fromEnv.get(top) ?? env.fromEnv.get(`${top}.${String(path[1])}`))
        : undefined;
    if (envName !== undefined) return { file: `env:${envName}`, line: 0, column: 0 };
    if (path.length === 0) return { file, line: 1, column: 1 };
    if (path.length === 1 && typeof top === 'string' && source === undefined && fastKeys) {
      if (topLevel === undefined) topLevel = topLevelPositions(text, fastKeys) ?? null;
      const at = topLevel?.locate(top, atKey);
      if (at !== undefined) return { file, ...at };
    }
    const { doc, lines } = getSource();
    const pos = locateNode(doc, lines, path, { key: atKey }) ?? { line: 1, column: 1 };
    return { file, ...pos };
  };
  const positioned = (list: readonly RawIssue[]): ConfigIssue[] =>
    list
      .map(
        (r): ConfigIssue => ({
          code: r.code,
          ...position(r.path, r.atKey === true || r.code === 'conflicting_keys'),
          path: formatPath(r.path),
          message: r.message,
        }),
      )
      .sort((a, b) => a.line - b.line || a.column - b.column);
  if (raws.length > 0) throw new ConfigError(positioned(raws));
  const config = deepFreeze(parsed.data as Config);
  const warnings: RawIssue[] = [];
  findInsecureSettings(config, policyLen, warnings);
  findShadowedRoutes(config, policyLen, warnings, (p) => position(p).line);
  checkIdpUrl(config.idp_provider_url, warnings);
  warnings.push(...idpWarnings);
  const envWarnings: ConfigIssue[] = env.ignored.map((i) => ({
    code: 'ignored_setting',
    file: `env:${i.name}`,
    line: 0,
    column: 0,
    path: '',
    message: i.message,
  }));
  // The YAML document is not kept: positions stay in a compact form (config/lib/compact-positions.ts).
  let compact: CompactPositions | undefined;
  const positions = (): CompactPositions => {
    if (compact === undefined) {
      const { doc, lines } = getSource();
      compact = compactPositions(doc, lines, () => parseSource(text, file));
      source = undefined;
    }
    return compact;
  };
  if (source !== undefined) positions();
  return Object.freeze({
    config,
    file,
    warnings: Object.freeze([...envWarnings, ...positioned([...keyWarnings, ...warnings])]),
    locate(path: readonly (string | number)[]): Position | undefined {
      let p: readonly (string | number)[] = path;
      if (p[0] === 'routes' && typeof p[1] === 'number') {
        p =
          p[1] < policyLen
            ? ['policy', p[1], ...p.slice(2)]
            : ['routes', p[1] - policyLen, ...p.slice(2)];
      }
      if (typeof p[0] === 'string' && env.fromEnv.has(p[0])) return undefined;
      if (typeof p[0] === 'string' && env.fromEnv.has(`${p[0]}.${String(p[1])}`)) return undefined;
      return positions().locate(p);
    },
  });
}
