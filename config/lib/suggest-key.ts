// Unknown keys get a did-you-mean hint: the closest known key by edit distance, if close enough.

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The known key nearest to `key`, or undefined when nothing is plausibly meant. */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  const k = key.toLowerCase().replaceAll('-', '_');
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const cand of known) {
    const d = distance(k, cand);
    if (d < bestD) {
      best = cand;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(k.length / 3)) ? best : undefined;
}
