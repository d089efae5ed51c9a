// The configuration reference comes from the schema itself: the JSON Schema editors use (with
// defaults written the way people write them) and the README table of keys are both built here.
import * as z from 'zod';
import { configSchema, fileSchema } from './schema.js';

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  [k: string]: unknown;
};

const UNITS: [string, number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** Milliseconds back to Go duration syntax (`50400000` → `14h`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [u, n] of UNITS) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}

const isDuration = (s: JsonSchema): boolean =>
  Array.isArray(s.type) && s.type.includes('string') && s.type.includes('number');

function withDefaults(props: Record<string, JsonSchema>, defaults: Record<string, unknown>): void {
  for (const [k, s] of Object.entries(props)) {
    const d = defaults[k];
    if (d === undefined) continue;
    s.default = isDuration(s) && typeof d === 'number' ? formatDuration(d) : d;
  }
}

/** The JSON Schema of the configuration file (draft 2020-12), with defaults. */
export function buildConfigJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(fileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  schema.$id = 'https://portcullis.dev/schema/portcullis-config.schema.json';
  schema.title = 'Portcullis configuration';
  const globals = configSchema.parse({}) as Record<string, unknown>;
  withDefaults(schema.properties!, { ...globals, routes: undefined });
  const route = (
    configSchema.parse({ routes: [{ from: 'https://a.example', to: 'http://b' }] }) as {
      routes: Record<string, unknown>[];
    }
  ).routes[0]!;
  const { id: _id, from: _from, to: _to, ...routeDefaults } = route;
  for (const list of ['routes', 'policy']) {
    const items = schema.properties![list]?.items;
    if (items?.properties) withDefaults(items.properties, routeDefaults);
  }
  return schema;
}

function typeOf(s: JsonSchema): string {
  if (isDuration(s)) return 'duration';
  if (s.anyOf) return [...new Set(s.anyOf.map(typeOf))].join(' \\| ');
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object') return 'map';
  return s.type ?? 'any';
}

function cell(v: unknown): string {
  if (v === undefined) return '';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return `\`${text.replaceAll('|', '\\|')}\``;
}

function table(props: Record<string, JsonSchema>): string {
  const rows = Object.entries(props).map(
    ([k, s]) =>
      `| \`${k}\` | ${typeOf(s)} | ${cell(s.default)} | ${(s.description ?? '').replaceAll('|', '\\|')} |`,
  );
  return ['| key | type | default | description |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** The README "Configuration reference" body (Markdown), generated from the JSON Schema. */
export function buildConfigReference(schema: JsonSchema = buildConfigJsonSchema()): string {
  const { routes, policy: _policy, ...globals } = schema.properties!;
  return [
    'Every key can also be set by its upper-cased environment variable (`SHARED_SECRET`,',
    '`COOKIE_EXPIRE`, `ROUTES` as base64 or raw YAML/JSON), a nested key by its path joined with',
    '`_` (`DOWNSTREAM_MTLS_CA_FILE`); secrets also as `<key>_file`. Keys Pomerium knows that',
    'Portcullis does not implement are warnings; see docs/migrating-from-pomerium.md.',
    'Durations use Go syntax (`30s`, `5m`, `1h30m`); enum values are case-insensitive.',
    'Editors can complete the YAML with `config/schema/portcullis-config.schema.json`.',
    '`portcullis validate -c FILE` prints every problem as `file:line:column: key.path: message`',
    '(exit 1; codes in [docs/errors.md](docs/errors.md)); `portcullis keys generate` prints a',
    'fresh `shared_secret`, `cookie_secret` and P-256 `signing_key`. A running service reloads the',
    'file when it changes; an invalid edit is logged with its positions and the last good config',
    'keeps serving.',
    '',
    '### Global settings',
    '',
    table(globals),
    '',
    '### Route keys (each item of `routes:` and the legacy `policy:` list)',
    '',
    table(routes?.items?.properties ?? {}),
  ].join('\n');
}
