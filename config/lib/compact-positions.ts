// Positions kept after a config is loaded, without its YAML document (a document of 10,000 routes
// holds hundreds of MB of nodes): the start of every line, the value of every top-level key and
// every entry of `routes` and `policy` — what reload refusals and Envoy issues ask for. A deeper
// path parses the kept text again (rare: only to position a problem), and that document is
// dropped again once nobody holds it.
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node } from 'yaml';
import { locateNode, type Position } from './locate-node.js';

export interface CompactPositions {
  /** Position of `path`, as locateNode would give it on the full document. */
  locate(path: readonly PropertyKey[]): Position | undefined;
}

const LISTS = ['routes', 'policy'] as const;

/** First index with `starts[i] > offset`, less one: the 0-based line of `offset`. */
function lineOf(starts: Int32Array, offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Keeps the positions of `doc` compactly; `reparse` gives the document again for deeper paths
 * (the same text parsed the same way).
 */
export function compactPositions(
  doc: Document,
  lines: LineCounter,
  reparse: () => { doc: Document; lines: LineCounter },
): CompactPositions {
  const starts = Int32Array.from(lines.lineStarts);
  const top = new Map<string, number>();
  const items = new Map<string, Int32Array>();
  const root = doc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== 'string') continue;
      const node = ((pair.value as Node | null) ?? (pair.key as Node | null)) as Node | null;
      const at = node?.range?.[0];
      if (at !== undefined) top.set(key, at);
      if ((LISTS as readonly string[]).includes(key) && isSeq(pair.value)) {
        items.set(
          key,
          Int32Array.from(pair.value.items, (n) => (n as Node).range?.[0] ?? -1),
        );
      }
    }
  }
  const position = (offset: number): Position => {
    const line = lineOf(starts, offset);
    return { line: line + 1, column: offset - starts[line]! + 1 };
  };
  let again: WeakRef<{ doc: Document; lines: LineCounter }> | undefined;
  return {
    locate(path) {
      if (path.length === 0) return position(root?.range?.[0] ?? 0);
      const key = path[0];
      if (typeof key === 'string' && path.length === 1 && top.has(key)) {
        return position(top.get(key)!);
      }
      if (typeof key === 'string' && path.length === 2 && typeof path[1] === 'number') {
        const offset = items.get(key)?.[path[1]];
        if (offset !== undefined && offset >= 0) return position(offset);
      }
      let source = again?.deref();
      if (source === undefined) {
        source = reparse();
        again = new WeakRef(source);
      }
      return locateNode(source.doc, source.lines, path);
    },
  };
}

export { LineCounter };
