// The fast reader of a YAML config: js-yaml with the YAML 1.2 core schema (what the positioned
// reader, `yaml`, resolves plain scalars with). It is used only where both give the same value:
// a text with an anchor, alias, tag, merge key or complex key, or one js-yaml refuses (syntax,
// duplicate keys, several documents), returns undefined and is read by the positioned reader,
// which reports each problem with its position exactly as before. Positions are computed only
// when something asks for one (config/lib/compact-positions.ts). A positioned read of 20,000
// routes took ten times as long as this one.
import jsyaml from 'js-yaml';

/** A plain scalar type of the core schema: the first rule whose test matches constructs it. */
function coreType(
  tag: string,
  rules: readonly (readonly [RegExp, (s: string) => unknown])[],
): jsyaml.Type {
  const rule = (data: string | null) => rules.find(([re]) => re.test(data ?? ''));
  return new jsyaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (data: string | null) => rule(data) !== undefined,
    construct: (data: string | null) => rule(data)![1](data ?? ''),
  });
}

// The YAML 1.2 core schema as node_modules/yaml/dist/schema/core/ reads it (js-yaml's own also
// takes `0b101` and reads `-0` as 0). One type per tag: js-yaml keeps only the last of a tag.
const SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    coreType('null', [[/^(?:~|[Nn]ull|NULL)?$/, () => null]]),
    coreType('bool', [[/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T']]),
    coreType('int', [
      [/^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)],
      [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
      [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)],
    ]),
    coreType('float', [
      [
        /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
        (s) =>
          s.slice(-3).toLowerCase() === 'nan'
            ? Number.NaN
            : s[0] === '-'
              ? Number.NEGATIVE_INFINITY
              : Number.POSITIVE_INFINITY,
      ],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, parseFloat],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, parseFloat],
    ]),
  ],
});

// An anchor (&a), alias (*a) or tag (!t) starts a node: at a line start, after white space or a
// flow indicator. A plain scalar cannot start with these, so a match elsewhere (`a * b`) only
// costs the positioned read. Also: merge keys (`<<:`), complex keys (`? k`), directives
// (`%YAML 1.1` changes the schema) and null keys (js-yaml names them `null`, yaml ``) — found
// by the differential test (test/unit/config/read-yaml-fast.test.ts).
const NEEDS_FULL_READER =
  /(?:^|[\s[{,])(?:[&*!]|<<\s*:|\?\s)|(?:^|\n)%|(?:^|[\s{,])(?:~|null|Null|NULL)?\s*:(?:\s|$)/;

/** yaml refuses an implicit key of more than 1024 characters; js-yaml takes it. */
const MAX_KEY = 1024;

function hasLongKey(text: string): boolean {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > MAX_KEY) {
      const line = text.slice(start, end);
      const colon = line.search(/:(?:\s|$)/);
      if (colon === -1 || colon > MAX_KEY || line.includes('{')) return true;
    }
    start = end + 1;
  }
  return false;
}

/** The value of `text`, or undefined when the positioned reader must read it. */
export function readYamlFast(text: string): unknown {
  if (NEEDS_FULL_READER.test(text) || hasLongKey(text)) return undefined;
  try {
    return jsyaml.load(text, { schema: SCHEMA }) ?? null;
  } catch {
    return undefined;
  }
}
