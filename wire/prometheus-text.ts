// The Prometheus text exposition format (0.0.4) every /metrics of ours writes: a family is its
// `# HELP` and `# TYPE` lines, then one line per sample; label values are escaped as the format
// requires (backslash, double quote, newline). Names and their meaning: docs/observability.md.

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Readonly<Record<string, string>>;

/** A label value escaped for the text format. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** One sample line: `name{a="x",b="y"} value` (no braces without labels). */
export function sampleLine(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? `${name} ${value}` : `${name}{${pairs.join(',')}} ${value}`;
}

/** The lines of one family: HELP, TYPE, then each sample (labels, value) in the order given. */
export function metricFamily(
  name: string,
  type: MetricType,
  help: string,
  samples: Iterable<readonly [Labels, number]>,
): string[] {
  const out = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) out.push(sampleLine(name, labels, value));
  return out;
}

/** Samples of a map counted by one label (`reason`, `outcome`, …). */
export function byLabel(
  key: string,
  counts: Iterable<readonly [string, number]>,
): Iterable<readonly [Labels, number]> {
  return [...counts].map(([v, n]) => [{ [key]: v }, n] as const);
}
