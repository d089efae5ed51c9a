// regex_priority_order (docs/migrating-from-pomerium.md): among the `regex` routes of one host,
// higher values are matched first (unset counts as 0, ties keep file order). Every other route
// keeps its place: the regex routes only trade the positions they already hold.

/** The minimum a route needs for ordering. */
interface Orderable {
  readonly route: {
    readonly from: string;
    readonly regex?: string | undefined;
    readonly regex_priority_order?: number | undefined;
  };
}

export function orderRegexRoutes<T extends Orderable>(
  routes: readonly T[],
  hostOf: (from: string) => string,
): T[] {
  const out = [...routes];
  const slots = new Map<string, number[]>();
  out.forEach((r, i) => {
    if (r.route.regex === undefined) return;
    const host = hostOf(r.route.from);
    const list = slots.get(host) ?? [];
    list.push(i);
    slots.set(host, list);
  });
  for (const positions of slots.values()) {
    if (positions.length < 2) continue;
    const sorted = positions
      .map((p) => routes[p]!)
      .map((r, k) => ({ r, k }))
      .sort(
        (a, b) =>
          (b.r.route.regex_priority_order ?? 0) - (a.r.route.regex_priority_order ?? 0) ||
          a.k - b.k,
      );
    positions.forEach((p, k) => {
      out[p] = sorted[k]!.r;
    });
  }
  return out;
}
