// Envoy's own statistics re-exported on metrics_address (as Pomerium does): the admin
// `/stats/prometheus` text of the supervised Envoy, with `route_id` and `route_name` labels added
// to every series of a route's cluster (`envoy_cluster_name="route-<id>"`, envoy/lib/names.ts).
// A scrape while Envoy is down gives `portcullis_envoy_up 0` and no Envoy series.
import type { Config } from '../../config/index.js';
import { adminGet } from '../../envoy/index.js';
import { escapeLabelValue as label } from '../../wire/index.js';

const CLUSTER = /envoy_cluster_name="route-([^"]*)"/;

/** Route id → name (or '') of a config. */
export function routeNames(config: Pick<Config, 'routes'>): Map<string, string> {
  return new Map(config.routes.map((r) => [r.id, r.name ?? '']));
}

/** Adds the route labels to Envoy's Prometheus text. */
export function labelEnvoyStats(text: string, names: ReadonlyMap<string, string>): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = line.startsWith('#') ? null : CLUSTER.exec(line);
    if (m === null) {
      out.push(line);
      continue;
    }
    const id = m[1]!;
    const extra = `route_id="${label(id)}",route_name="${label(names.get(id) ?? '')}",`;
    out.push(line.replace('{', `{${extra}`));
  }
  return out.join('\n');
}

/** Fetches and relabels the stats of the Envoy whose admin is at `adminUrl()`. */
export function createEnvoyMetrics(
  adminUrl: () => string,
  names: () => ReadonlyMap<string, string>,
): () => Promise<string> {
  return async () => {
    const up = (v: 0 | 1) =>
      `# HELP portcullis_envoy_up Whether the supervised Envoy answered the last scrape.\n# TYPE portcullis_envoy_up gauge\nportcullis_envoy_up ${v}\n`;
    const url = adminUrl();
    if (url === '') return up(0);
    try {
      const res = await adminGet(`${url}/stats/prometheus`, 5000);
      if (res.status !== 200) return up(0);
      const text = labelEnvoyStats(res.text, names());
      return `${up(1)}${text.endsWith('\n') ? text : `${text}\n`}`;
    } catch {
      return up(0);
    }
  };
}
