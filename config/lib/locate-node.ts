// Positions for issues: walks the YAML document (kept with its source ranges) along a key path
// and turns the offset of the deepest node reached into a 1-based line and column.
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Finds the node at `path` (or the deepest ancestor that exists). `key: true` → the key node. */
export function locateNode(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
  opts: { key?: boolean } = {},
): Position | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = (node as Node | null) ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (pair === undefined) break;
      if (last && opts.key && isScalar(pair.key)) {
        found = pair.key;
        break;
      }
      node = pair.value;
      found = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      found = item as Node;
    } else break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}
