// A unified-style line diff (longest common subsequence), enough to show what `envoy attach`
// changes in a file: ` ` kept, `-` removed, `+` added, with a few lines of context per hunk.

export interface DiffStats {
  readonly added: number;
  readonly removed: number;
}

export function lineDiff(a: string, b: string, context = 3): { text: string; stats: DiffStats } {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: [' ' | '-' | '+', string][] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      ops.push([' ', x[i]!]);
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push(['+', y[j]!]);
      j++;
    } else {
      ops.push(['-', x[i]!]);
      i++;
    }
  }
  const keep = ops.map((_op, k) =>
    ops.slice(Math.max(0, k - context), k + context + 1).some(([t]) => t !== ' '),
  );
  const out: string[] = [];
  let skipped = false;
  ops.forEach(([t, line], k) => {
    if (keep[k]) {
      if (skipped) out.push('@@');
      skipped = false;
      out.push(`${t}${line}`);
    } else skipped = true;
  });
  return {
    text: out.join('\n'),
    stats: {
      added: ops.filter(([t]) => t === '+').length,
      removed: ops.filter(([t]) => t === '-').length,
    },
  };
}
