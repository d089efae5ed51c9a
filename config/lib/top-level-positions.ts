// Positions of top-level keys read off a config's lines, without building the positioned YAML
// document: a warning about a top-level setting (`insecure_server`, `idp_provider_url`, …) is
// logged at every start, and the document cost ~10 ms of it (docs/performance.md "The cold
// path"). Exact or silent: it answers only for a block-style text whose top-level keys, found
// as plain `key:` at the start of a line, are exactly the document's keys in order (a line of
// a multi-line string that looks like a key breaks the match), and a value's position only when
// the value starts on its key's line. Otherwise the caller parses the document as before.
import type { Position } from './locate-node.js';

export interface TopLevelPositions {
  /** The position of `key`'s value (or of the key, `atKey`); undefined when unsure. */
  locate(key: string, atKey: boolean): Position | undefined;
}

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?=[ \t]|$)/;

/** `keys`: the document's top-level keys in document order, as the fast reader read them. */
export function topLevelPositions(
  text: string,
  keys: readonly string[],
): TopLevelPositions | undefined {
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  const found = new Map<string, { line: number; valueColumn: number | undefined }>();
  const order: string[] = [];
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end);
    const s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    start = end + 1;
    const first = s.charAt(0);
    // Indented lines, comments and blank lines belong to what came before.
    if (first === '' || first === ' ' || first === '\t' || first === '#') continue;
    if (s === '---') continue;
    const m = KEY_LINE.exec(s);
    if (m === null) return undefined; // a quoted or complex key, flow style, a document end…
    const key = m[1]!;
    let i = m[0].length;
    while (s[i] === ' ' || s[i] === '\t') i++;
    const c = s.charAt(i);
    const inline = c !== '' && c !== '#' && !'|>&*!%@`'.includes(c);
    found.set(key, { line, valueColumn: inline ? i + 1 : undefined });
    order.push(key);
  }
  if (order.length !== keys.length || order.some((k, i) => k !== keys[i])) return undefined;
  return {
    locate(key, atKey) {
      const at = found.get(key);
      if (at === undefined) return undefined;
      if (atKey) return { line: at.line, column: 1 };
      return at.valueColumn === undefined ? undefined : { line: at.line, column: at.valueColumn };
    },
  };
}
