// The protoc-gen-validate rules Envoy's protos carry (`(validate.rules)` field options), checked
// on a field's JSON value: required messages, string lengths/prefixes/header-name shapes, number
// ranges, defined enums, duration bounds, list sizes and per-item rules, map sizes.
import type protobuf from 'protobufjs';

type Obj = Record<string, unknown>;
export interface Reporter {
  problem(field: string, message: string): undefined;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The merged `(validate.rules)` of a field, if any. */
const rulesCache = new WeakMap<protobuf.Field, Obj | null>();

export function pgvRules(field: protobuf.Field): Obj | undefined {
  let cached = rulesCache.get(field);
  if (cached === undefined) {
    cached = readRules(field) ?? null;
    rulesCache.set(field, cached);
  }
  return cached ?? undefined;
}

function readRules(field: protobuf.Field): Obj | undefined {
  const parsed = field.parsedOptions as Obj[] | null | undefined;
  if (!Array.isArray(parsed)) return undefined;
  let out: Obj | undefined;
  for (const o of parsed) {
    const r = o['(validate.rules)'];
    if (isObj(r)) out = { ...out, ...r };
  }
  return out;
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
/** No control characters except horizontal tab (strict header value). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is about control characters
const HEADER_VALUE_BAD = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const headerValueStrict = (s: string): boolean => !HEADER_VALUE_BAD.test(s);
/** No NUL, CR or LF (the non-strict header name/value rule). */
const noCrLfNul = (s: string): boolean => !/[\r\n]/.test(s) && !s.includes(String.fromCharCode(0));

function durationNanos(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(v);
    if (m === null) return undefined;
    const n = Number(m[2]) * 1e9 + Number((m[3] ?? '').padEnd(9, '0'));
    return m[1] === '-' ? -n : n;
  }
  if (isObj(v)) return Number(v.seconds ?? 0) * 1e9 + Number(v.nanos ?? 0);
  return undefined;
}

function checkRange(
  r: Obj,
  n: number,
  path: string,
  rep: Reporter,
  show: (x: number) => string = String,
): void {
  const num = (x: unknown): number => (isObj(x) ? (durationNanos(x) ?? 0) : Number(x));
  if (r.const !== undefined && n !== num(r.const))
    rep.problem(path, `must be ${show(num(r.const))}`);
  if (r.gt !== undefined && !(n > num(r.gt))) rep.problem(path, `must be > ${show(num(r.gt))}`);
  if (r.gte !== undefined && !(n >= num(r.gte))) rep.problem(path, `must be ≥ ${show(num(r.gte))}`);
  if (r.lt !== undefined && !(n < num(r.lt))) rep.problem(path, `must be < ${show(num(r.lt))}`);
  if (r.lte !== undefined && !(n <= num(r.lte))) rep.problem(path, `must be ≤ ${show(num(r.lte))}`);
  if (Array.isArray(r.in) && !r.in.map(num).includes(n)) {
    rep.problem(path, `must be one of ${r.in.map(num).join(', ')}`);
  }
  if (Array.isArray(r.not_in) && r.not_in.map(num).includes(n))
    rep.problem(path, 'value not allowed');
}

/** Code points of `s` (UTF-16 length less the low surrogates of pairs). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

/** Whether a string is plain ASCII (then its length counts characters and bytes alike). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is 0-127
const ASCII = /^[\u0000-\u007f]*$/;

function checkString(r: Obj, s: string, path: string, rep: Reporter): void {
  const ascii = ASCII.test(s);
  const chars = ascii ? s.length : codePoints(s);
  const bytes = ascii ? s.length : Buffer.byteLength(s);
  if (typeof r.min_len === 'number' && chars < r.min_len) {
    rep.problem(path, r.min_len === 1 ? 'must not be empty' : `must be ≥ ${r.min_len} characters`);
  }
  if (typeof r.max_len === 'number' && chars > r.max_len) {
    rep.problem(path, `must be ≤ ${r.max_len} characters`);
  }
  if (typeof r.min_bytes === 'number' && bytes < r.min_bytes) {
    rep.problem(path, `must be ≥ ${r.min_bytes} bytes`);
  }
  if (typeof r.max_bytes === 'number' && bytes > r.max_bytes) {
    rep.problem(path, `must be ≤ ${r.max_bytes} bytes`);
  }
  if (typeof r.prefix === 'string' && !s.startsWith(r.prefix)) {
    rep.problem(path, `must start with "${r.prefix}"`);
  }
  if (Array.isArray(r.in) && !r.in.includes(s))
    rep.problem(path, `must be one of ${r.in.join(', ')}`);
  if (Array.isArray(r.not_in) && r.not_in.includes(s)) rep.problem(path, 'value not allowed');
  const strict = r.strict !== false;
  if (
    r.well_known_regex === 'HTTP_HEADER_NAME' &&
    !(strict ? HEADER_NAME_STRICT.test(s) : noCrLfNul(s))
  ) {
    rep.problem(path, 'must be a valid header name');
  }
  if (
    r.well_known_regex === 'HTTP_HEADER_VALUE' &&
    !(strict ? headerValueStrict(s) : noCrLfNul(s))
  ) {
    rep.problem(path, 'must be a valid header value');
  }
}

const NUMERIC = [
  'uint32',
  'int32',
  'uint64',
  'int64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'double',
  'float',
];

const numericKeys = new WeakMap<Obj, readonly string[]>();
/** The numeric rule kinds a rules object has (computed once per rules object). */
function numericKeysOf(rules: Obj): readonly string[] {
  let keys = numericKeys.get(rules);
  if (keys === undefined) {
    keys = NUMERIC.filter((k) => rules[k] !== undefined);
    numericKeys.set(rules, keys);
  }
  return keys;
}

/**
 * Per item rules object (one per field, so the field is implied), list items that passed
 * checkValue: a snapshot repeats the same header names in every route. Bounded for reloads.
 */
const passedStrings = new Map<Obj, Set<string>>();
const MAX_PASSED = 10_000;

/** checkValue of a string list item, skipped when this string already passed these rules. */
function checkStringValue(
  field: protobuf.Field,
  rules: Obj,
  v: string,
  path: string,
  rep: Reporter,
): void {
  let passed = passedStrings.get(rules);
  if (passed?.has(v)) return;
  let failed = false;
  checkValue(field, rules, v, path, {
    problem(f, m) {
      failed = true;
      return rep.problem(f, m);
    },
  });
  if (failed) return;
  if (passed === undefined || passed.size >= MAX_PASSED) {
    passed = new Set();
    passedStrings.set(rules, passed);
  }
  passed.add(v);
}

function checkValue(
  field: protobuf.Field,
  rules: Obj,
  v: unknown,
  path: string,
  rep: Reporter,
): void {
  if (isObj(rules.string) && typeof v === 'string') checkString(rules.string, v, path, rep);
  for (const k of numericKeysOf(rules)) {
    const r = rules[k];
    if (isObj(r) && (typeof v === 'number' || typeof v === 'string'))
      checkRange(r, Number(v), path, rep);
  }
  if (isObj(rules.duration)) {
    const n = durationNanos(v);
    if (n !== undefined) checkRange(rules.duration, n, path, rep, (x) => `${x / 1e9}s`);
  }
  if (isObj(rules.enum) && rules.enum.const !== undefined && v !== rules.enum.const) {
    rep.problem(path, 'value not allowed');
  }
  if (isObj(rules.enum) && Array.isArray(rules.enum.not_in)) {
    const values = (field.resolve().resolvedType as protobuf.Enum | null)?.values ?? {};
    const n = typeof v === 'string' ? values[v] : v;
    if (rules.enum.not_in.includes(n)) rep.problem(path, 'value not allowed');
  }
  if (isObj(rules.bytes) && typeof v === 'string') {
    const len = Buffer.from(v, 'base64').length;
    if (typeof rules.bytes.min_len === 'number' && len < rules.bytes.min_len) {
      rep.problem(path, 'must not be empty');
    }
  }
  if (
    isObj(rules.any) &&
    isObj(v) &&
    Array.isArray(rules.any.in) &&
    !rules.any.in.includes(v['@type'])
  ) {
    rep.problem(path, `must be one of ${rules.any.in.join(', ')}`);
  }
}

/** Checks `rules` on the JSON value `v` of `field` (undefined when the field is absent). */
export function checkPgvRules(
  field: protobuf.Field,
  rules: Obj,
  v: unknown,
  path: string,
  rep: Reporter,
): void {
  const required =
    (isObj(rules.message) && rules.message.required === true) ||
    (isObj(rules.duration) && rules.duration.required === true) ||
    (isObj(rules.any) && rules.any.required === true);
  if (v === undefined || v === null) {
    if (required) rep.problem(path, 'is required');
    const minItems = isObj(rules.repeated) ? rules.repeated.min_items : undefined;
    if (typeof minItems === 'number' && minItems > 0)
      rep.problem(path, `needs at least ${minItems} item(s)`);
    const minPairs = isObj(rules.map) ? rules.map.min_pairs : undefined;
    if (typeof minPairs === 'number' && minPairs > 0)
      rep.problem(path, `needs at least ${minPairs} entr(ies)`);
    if (
      isObj(rules.string) &&
      typeof rules.string.min_len === 'number' &&
      rules.string.min_len > 0
    ) {
      rep.problem(path, 'must not be empty');
    }
    return;
  }
  if (isObj(rules.repeated) && Array.isArray(v)) {
    const r = rules.repeated;
    if (typeof r.min_items === 'number' && v.length < r.min_items) {
      rep.problem(path, `needs at least ${r.min_items} item(s)`);
    }
    if (typeof r.max_items === 'number' && v.length > r.max_items) {
      rep.problem(path, `takes at most ${r.max_items} item(s)`);
    }
    if (r.unique === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) {
      rep.problem(path, 'items must be unique');
    }
    if (isObj(r.items)) {
      const items = r.items;
      const passed = passedStrings.get(items);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') {
          // The item's path is only written when it is new to these rules.
          if (passed?.has(x) !== true) checkStringValue(field, items, x, `${path}[${i}]`, rep);
        } else checkValue(field, items, x, `${path}[${i}]`, rep);
      }
    }
    return;
  }
  if (isObj(rules.map) && isObj(v)) {
    const r = rules.map;
    const n = Object.keys(v).length;
    if (typeof r.min_pairs === 'number' && n < r.min_pairs)
      rep.problem(path, `needs at least ${r.min_pairs} entr(ies)`);
    if (isObj(r.keys))
      for (const k of Object.keys(v)) checkValue(field, r.keys, k, `${path}.${k}`, rep);
    if (isObj(r.values)) {
      for (const [k, x] of Object.entries(v)) checkValue(field, r.values, x, `${path}.${k}`, rep);
    }
    return;
  }
  checkValue(field, rules, v, path, rep);
}
