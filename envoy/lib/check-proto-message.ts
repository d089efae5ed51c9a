// Checks one resource written in Envoy's proto3 JSON form (snake_case names, as in Envoy YAML)
// against its proto type, field by field: unknown or deprecated fields, wrong value types,
// undefined enum values, several members of a oneof, and `Any` payloads of unknown types are
// reported with their path. The protoc-gen-validate rules are checked by check-pgv-rules.ts.
// The result is the protobufjs object form (Durations as {seconds, nanos}, Any as encoded
// bytes, enums as numbers), which protobufjs' `Type.encode` takes as it is.
import protobuf from 'protobufjs';
import { encodeMessage } from '../../protos/index.js';
import { checkPgvRules, pgvRules } from './check-pgv-rules.js';

export interface ProtoProblem {
  /** Proto field path inside the resource, e.g. `virtual_hosts[2].routes[0].match.prefix`. */
  readonly field: string;
  readonly message: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const join = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (w) => `.google.protobuf.${w}Value`,
  ),
);

/** What the checker needs of a type, computed once per type (one Map lookup per message). */
interface TypeInfo {
  /** `type.fullName`, a costly getter. */
  readonly name: string;
  readonly wellKnown: boolean;
  readonly memoized: boolean;
  /** The fields that carry protoc-gen-validate rules. */
  readonly ruled: readonly (readonly [protobuf.Field, Obj])[];
  readonly requiredOneofs: readonly protobuf.OneOf[];
}

const typeInfos = new Map<protobuf.Type, TypeInfo>();

function infoOf(type: protobuf.Type): TypeInfo {
  let info = typeInfos.get(type);
  if (info === undefined) {
    const name = type.fullName;
    const ruled: [protobuf.Field, Obj][] = [];
    for (const f of type.fieldsArray) {
      const rules = pgvRules(f);
      if (rules !== undefined) ruled.push([f, rules]);
    }
    info = {
      name,
      wellKnown: name.startsWith('.google.protobuf.'),
      memoized: MEMOIZED.has(name),
      ruled,
      requiredOneofs: type.oneofsArray.filter((o) => o.options?.['(validate.required)'] === true),
    };
    typeInfos.set(type, info);
  }
  return info;
}

const anyTypesByRoot = new WeakMap<protobuf.Root, Map<string, protobuf.Type>>();
const NOT_WELL_KNOWN = { done: false } as const;

const prefix = (path: string, field: string): string =>
  field === ''
    ? path
    : path === '' || field.startsWith('[')
      ? `${path}${field}`
      : `${path}.${field}`;

interface Memo {
  readonly type: protobuf.Type;
  readonly value: Obj | undefined;
  readonly problems: readonly ProtoProblem[];
  /** The same object checked as another type too (rare). */
  others?: Map<protobuf.Type, Memo>;
}

const NO_PROBLEMS: readonly ProtoProblem[] = Object.freeze([]);
const NOT_ENCODED = new Uint8Array(0);
/** What a checked message, list or map converts to when nothing is encoded (no copy is built). */
const CHECKED: Obj = Object.freeze({});

/**
 * The types whose objects the builders share (internal routes in every virtual host, filters):
 * only these are memoized. A memo entry per message object cost more than checking the rest
 * twice would (a 20,000-route configuration has half a million message objects); sharing an
 * object of another type only costs checking it again.
 */
const MEMOIZED: ReadonlySet<string> = new Set([
  '.envoy.config.route.v3.Route',
  '.envoy.config.route.v3.VirtualHost',
  '.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  '.envoy.config.listener.v3.Filter',
  '.envoy.config.listener.v3.FilterChain',
  '.envoy.config.cluster.v3.Cluster',
]);

/** A singular string field: a string value is all it checks (its rules are checkPgvRules'). */
const isPlainString = (f: protobuf.Field): boolean => f.type === 'string' && !f.map && !f.repeated;

class Checker {
  problems: ProtoProblem[] = [];
  /**
   * Objects shared by several places (internal routes, filters) are checked once. A Map, not a
   * WeakMap: the checker lives for one resource, and ephemeron tables of a 10,000-route
   * resource cost the collector more than the check itself.
   */
  readonly memo = new Map<object, Memo>();
  /**
   * Build the converted value and encode `Any` payloads (false: only check; messages, lists and
   * maps then convert to an empty placeholder, and nothing is encodable).
   */
  readonly encode: boolean;
  readonly anyTypes: Map<string, protobuf.Type>;
  readonly root: protobuf.Root;
  constructor(root: protobuf.Root, encode: boolean) {
    this.root = root;
    this.encode = encode;
    let types = anyTypesByRoot.get(root);
    if (types === undefined) {
      types = new Map();
      anyTypesByRoot.set(root, types);
    }
    this.anyTypes = types;
  }

  problem(field: string, message: string): undefined {
    this.problems.push({ field, message });
    return undefined;
  }

  scalar(type: string, v: unknown, path: string): unknown {
    if (type === 'string') {
      return typeof v === 'string' ? v : this.problem(path, 'must be a string');
    }
    if (type === 'bool')
      return typeof v === 'boolean' ? v : this.problem(path, 'must be a boolean');
    if (type === 'double' || type === 'float') {
      return typeof v === 'number' && Number.isFinite(v)
        ? v
        : this.problem(path, 'must be a number');
    }
    if (INT32.has(type) || UINT32.has(type)) {
      const min = UINT32.has(type) ? 0 : -(2 ** 31);
      const max = UINT32.has(type) ? 2 ** 32 - 1 : 2 ** 31 - 1;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        return this.problem(path, `must be a whole number in ${type} range`);
      }
      return v;
    }
    if (INT64.has(type)) {
      const ok =
        (typeof v === 'number' && Number.isSafeInteger(v)) ||
        (typeof v === 'string' && /^-?\d+$/.test(v));
      if (!ok || (type.startsWith('u') && String(v).startsWith('-'))) {
        return this.problem(path, `must be a whole number (${type})`);
      }
      return String(v);
    }
    if (type === 'bytes') {
      return typeof v === 'string'
        ? Buffer.from(v, 'base64')
        : this.problem(path, 'must be base64');
    }
    return this.problem(path, `unsupported scalar type ${type}`);
  }

  // protobufjs ships google/protobuf/struct.proto with camelCase field names (whatever keepCase
  // says), so a Value is written as `stringValue`, not `string_value`.
  jsonValue(v: unknown, path: string): Obj | undefined {
    if (v === null) return { nullValue: 0 };
    if (typeof v === 'number') return { numberValue: v };
    if (typeof v === 'string') return { stringValue: v };
    if (typeof v === 'boolean') return { boolValue: v };
    if (Array.isArray(v)) {
      return { listValue: { values: v.map((x, i) => this.jsonValue(x, join(path, i))) } };
    }
    if (isObj(v)) return { structValue: this.struct(v, path) };
    return this.problem(path, 'must be a JSON value');
  }

  struct(v: Obj, path: string): Obj {
    const fields: Obj = {};
    for (const [k, x] of Object.entries(v)) fields[k] = this.jsonValue(x, join(path, k));
    return { fields };
  }

  wellKnown(type: protobuf.Type, v: unknown, path: string): { done: boolean; value?: unknown } {
    const { name, wellKnown } = infoOf(type);
    if (!wellKnown) return NOT_WELL_KNOWN;
    if (name === '.google.protobuf.Duration') {
      const m = typeof v === 'string' ? /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
      if (m === null)
        return { done: true, value: this.problem(path, 'must be a duration like "10s"') };
      const nanos = Number((m[3] ?? '').padEnd(9, '0')) * (m[1] === '-' ? -1 : 1);
      return { done: true, value: { seconds: `${m[1]}${m[2]}`, nanos } };
    }
    if (WRAPPERS.has(name)) {
      const inner = type.fields.value!;
      return { done: true, value: { value: this.scalar(inner.type, v, path) } };
    }
    if (name === '.google.protobuf.Struct') {
      if (!isObj(v)) return { done: true, value: this.problem(path, 'must be a map') };
      return { done: true, value: this.struct(v, path) };
    }
    if (name === '.google.protobuf.Value') return { done: true, value: this.jsonValue(v, path) };
    if (name === '.google.protobuf.Any') return { done: true, value: this.any(v, path) };
    return { done: false };
  }

  any(v: unknown, path: string): Obj | undefined {
    if (!isObj(v) || typeof v['@type'] !== 'string') {
      return this.problem(path, 'must be a map with "@type"');
    }
    const url = v['@type'];
    const typeName = url.slice(url.lastIndexOf('/') + 1);
    let inner = this.anyTypes.get(typeName);
    if (inner === undefined) {
      try {
        inner = this.root.lookupType(typeName);
      } catch {
        return this.problem(join(path, '@type'), `unknown type ${typeName}`);
      }
      this.anyTypes.set(typeName, inner);
    }
    const { '@type': _t, ...rest } = v;
    const converted = this.message(inner, rest, path);
    if (converted === undefined) return undefined;
    if (!this.encode) return { type_url: url, value: NOT_ENCODED };
    const value = encodeMessage(inner, converted);
    return { type_url: url, value };
  }

  field(field: protobuf.Field, v: unknown, path: string): unknown {
    if (field.map) {
      if (!isObj(v)) return this.problem(path, 'must be a map');
      const out: Obj | undefined = this.encode ? {} : undefined;
      for (const [k, x] of Object.entries(v)) {
        const converted = this.single(field, x, join(path, k));
        if (out !== undefined) out[k] = converted;
      }
      return out ?? CHECKED;
    }
    if (field.repeated) {
      if (!Array.isArray(v)) return this.problem(path, 'must be a list');
      if (this.encode) return v.map((x, i) => this.single(field, x, join(path, i)));
      const strings = field.type === 'string';
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (!strings || typeof x !== 'string') this.single(field, x, join(path, i));
      }
      return CHECKED;
    }
    return this.single(field, v, path);
  }

  single(field: protobuf.Field, v: unknown, path: string): unknown {
    const t = field.resolve().resolvedType; // the Root resolves lazily (protos/load-protos.ts)
    if (t instanceof protobuf.Enum) {
      if (typeof v === 'string' && v in t.values) return t.values[v];
      if (typeof v === 'number' && Object.values(t.values).includes(v)) return v;
      return this.problem(path, `must be one of ${Object.keys(t.values).join(', ')}`);
    }
    if (t instanceof protobuf.Type) return this.message(t, v, path);
    return this.scalar(field.type, v, path);
  }

  message(type: protobuf.Type, v: unknown, path: string): Obj | undefined {
    if (!isObj(v) || !infoOf(type).memoized) return this.uncached(type, v, path);
    // Most objects are checked as one type only: one memo entry, a map only for the rare rest.
    const seen = this.memo.get(v);
    let hit: Memo | undefined;
    if (seen !== undefined) hit = seen.type === type ? seen : seen.others?.get(type);
    if (hit === undefined) {
      const outer = this.problems;
      this.problems = [];
      const value = this.uncached(type, v, '');
      const problems = this.problems.length === 0 ? NO_PROBLEMS : this.problems;
      this.problems = outer;
      if (seen === undefined) {
        hit = { type, value, problems };
        this.memo.set(v, hit);
      } else {
        hit = { type, value, problems };
        seen.others ??= new Map();
        seen.others.set(type, hit);
      }
    }
    for (const p of hit.problems)
      this.problems.push({ field: prefix(path, p.field), message: p.message });
    return hit.value;
  }

  /** Several members of a oneof set: reported once, at the first one set. */
  oneofSet(oneof: protobuf.OneOf, v: Obj, key: string, path: string): void {
    let count = 0;
    let first: string | undefined;
    for (const n of oneof.oneof) {
      if (v[n] === undefined) continue;
      count++;
      first ??= n;
    }
    if (count > 1 && first === key) {
      const set = oneof.oneof.filter((n) => v[n] !== undefined);
      this.problem(path, `only one of ${set.join(', ')} may be set`);
    }
  }

  uncached(type: protobuf.Type, v: unknown, path: string): Obj | undefined {
    const wk = this.wellKnown(type, v, path);
    if (wk.done) return wk.value as Obj | undefined;
    if (!isObj(v)) return this.problem(path, `must be a map (${type.name})`);
    // Only checking (no encoding): no converted copy is built.
    const out: Obj | undefined = this.encode ? {} : undefined;
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      const x = v[key];
      if (x === undefined) continue;
      const f = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
      if (f === undefined) {
        this.problem(join(path, key), `unknown field of ${type.fullName.slice(1)}`);
        continue;
      }
      if (f.options?.deprecated === true) this.problem(join(path, key), 'deprecated field');
      // A string in a plain string field is checked (and, checking only, converted) as it is:
      // no path is written for it (most fields of a snapshot are such strings).
      if (out !== undefined || typeof x !== 'string' || !isPlainString(f)) {
        const converted = this.field(f, x, join(path, key));
        if (converted !== undefined && out !== undefined) out[key] = converted;
      }
      const oneof = f.partOf;
      if (oneof !== null && oneof !== undefined) this.oneofSet(oneof, v, key, path);
    }
    const info = infoOf(type);
    for (const [f, rules] of info.ruled) {
      // Rules of a oneof member apply only when that member is set.
      if (f.partOf !== null && f.partOf !== undefined && v[f.name] === undefined) continue;
      checkPgvRules(f, rules, v[f.name], join(path, f.name), this);
    }
    for (const oneof of info.requiredOneofs) {
      if (oneof.oneof.every((n) => v[n] === undefined)) {
        this.problem(path, `one of ${oneof.oneof.join(', ')} is required`);
      }
    }
    return out ?? CHECKED;
  }
}

/** The converted object and every problem found (empty when the resource is valid). */
export function checkProtoMessage(
  root: protobuf.Root,
  type: string | protobuf.Type,
  value: unknown,
  opts: { readonly encode?: boolean } = {},
): { value: Obj | undefined; problems: readonly ProtoProblem[] } {
  const checker = new Checker(root, opts.encode !== false);
  const t = typeof type === 'string' ? root.lookupType(type) : type;
  const converted = checker.message(t, value, '');
  return { value: converted, problems: checker.problems };
}
