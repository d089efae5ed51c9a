// go-control-plane's Consistent(): every cluster a route uses exists, every route configuration
// a listener names over RDS exists, names are unique, every virtual host domain is unique.
import type { Json } from '../lib/envoy-values.js';
import type { EnvoyIssue, NamedResource, Snapshot } from '../types.js';

function originOf(resource: NamedResource, field: string): EnvoyIssue['route'] {
  for (const [prefix, o] of resource.parts ?? []) {
    if (field === prefix || field.startsWith(`${prefix}.`)) {
      return { index: o.routeIndex, id: o.routeId, path: `routes[${o.routeIndex}]` };
    }
  }
  const o = resource.origin;
  return o === undefined
    ? undefined
    : { index: o.routeIndex, id: o.routeId, path: `routes[${o.routeIndex}]` };
}

function rdsNames(listener: Json): string[] {
  const out: string[] = [];
  for (const chain of (listener.filter_chains as Json[] | undefined) ?? []) {
    for (const f of (chain.filters as Json[] | undefined) ?? []) {
      const rds = (f.typed_config as Json | undefined)?.rds as Json | undefined;
      if (typeof rds?.route_config_name === 'string') out.push(rds.route_config_name);
    }
  }
  return out;
}

/** Route configurations embedded in listeners (static bootstrap) or served over RDS. */
function routeConfigsOf(
  snapshot: Pick<Snapshot, 'resources'>,
): { rc: Json; owner: NamedResource; at: string }[] {
  const out = snapshot.resources.route.map((owner) => ({ rc: owner.resource, owner, at: '' }));
  for (const owner of snapshot.resources.listener) {
    ((owner.resource.filter_chains as Json[] | undefined) ?? []).forEach((chain, c) => {
      ((chain.filters as Json[] | undefined) ?? []).forEach((f, i) => {
        const rc = (f.typed_config as Json | undefined)?.route_config as Json | undefined;
        if (rc !== undefined)
          out.push({
            rc,
            owner,
            at: `filter_chains[${c}].filters[${i}].typed_config.route_config.`,
          });
      });
    });
  }
  return out;
}

export function checkSnapshotConsistency(snapshot: Pick<Snapshot, 'resources'>): EnvoyIssue[] {
  const issues: EnvoyIssue[] = [];
  const { cluster, listener, route } = snapshot.resources;
  for (const [kind, items] of [
    ['cluster', cluster],
    ['listener', listener],
    ['route_configuration', route],
  ] as const) {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.name)) {
        issues.push({
          code: 'ENVOY_SNAPSHOT_INCONSISTENT',
          resource: `${kind} ${item.name}`,
          field: 'name',
          message: 'the name is used twice',
        });
      }
      seen.add(item.name);
    }
  }
  const clusters = new Set(cluster.map((c) => c.name));
  const routeNames = new Set(route.map((r) => r.name));
  for (const l of listener) {
    for (const name of rdsNames(l.resource)) {
      if (!routeNames.has(name)) {
        issues.push({
          code: 'ENVOY_SNAPSHOT_INCONSISTENT',
          resource: `listener ${l.name}`,
          field: 'filter_chains',
          message: `route configuration ${name} does not exist`,
        });
      }
    }
  }
  for (const { rc, owner, at } of routeConfigsOf(snapshot)) {
    const domains = new Set<string>();
    ((rc.virtual_hosts as Json[] | undefined) ?? []).forEach((vh, v) => {
      for (const d of (vh.domains as string[] | undefined) ?? []) {
        if (domains.has(d)) {
          issues.push({
            code: 'ENVOY_SNAPSHOT_INCONSISTENT',
            resource: `route_configuration ${rc.name}`,
            field: `${at}virtual_hosts[${v}].domains`,
            message: `domain ${d} is served by two virtual hosts`,
          });
        }
        domains.add(d);
      }
      ((vh.routes as Json[] | undefined) ?? []).forEach((r, i) => {
        const c = (r.route as Json | undefined)?.cluster;
        if (typeof c === 'string' && !clusters.has(c)) {
          const field = `${at}virtual_hosts[${v}].routes[${i}]`;
          const origin = originOf(owner, field);
          issues.push({
            code: 'ENVOY_SNAPSHOT_INCONSISTENT',
            resource: `route_configuration ${rc.name}`,
            field: `${field}.route.cluster`,
            message: `cluster ${c} does not exist`,
            ...(origin === undefined ? {} : { route: origin }),
          });
        }
      });
    });
  }
  return issues;
}

export { originOf };
