// The static bootstrap (docs/pomerium-behaviour.md §7.1): complete — listeners with the route configuration
// inline and every cluster — for teams that run their own Envoy; checked like a snapshot.
import type { Config } from '../../config/index.js';
import {
  admin,
  adminSettings,
  DEFAULT_NODE_ID,
  LAYERED_RUNTIME,
  OVERLOAD_MANAGER,
} from '../lib/bootstrap-common.js';
import type { Json } from '../lib/envoy-values.js';
import type { EnvoyBuildOptions, EnvoyIssue, NamedResource } from '../types.js';
import { checkSnapshotConsistency } from '../validate/check-snapshot-consistency.js';
import { checkResource } from '../validate/validate-snapshot.js';
import { buildResources } from './build-resources.js';

export type BootstrapResult =
  | { readonly ok: true; readonly bootstrap: Json; readonly warnings: readonly EnvoyIssue[] }
  | { readonly ok: false; readonly issues: readonly EnvoyIssue[] };

/** The complete static bootstrap, validated against Envoy's protos. */
export function buildBootstrap(
  config: Config,
  opts: EnvoyBuildOptions & { nodeId?: string },
): BootstrapResult {
  const built = buildResources(config, opts, 'inline');
  const bootstrap: Json = {
    node: { id: opts.nodeId ?? DEFAULT_NODE_ID, cluster: DEFAULT_NODE_ID },
    // An explicit admin port (CLI --admin-port, tests) wins over envoy_admin_address.
    admin: admin(
      opts.adminPort,
      adminSettings(
        opts.adminPort === undefined ? config : { ...config, envoy_admin_address: undefined },
      ),
    ),
    layered_runtime: LAYERED_RUNTIME,
    overload_manager: OVERLOAD_MANAGER,
    static_resources: {
      listeners: built.listeners.map((l) => l.resource),
      clusters: built.clusters.map((c) => c.resource),
    },
  };
  const issues: EnvoyIssue[] = [
    ...built.issues,
    ...checkSnapshotConsistency({
      resources: { cluster: built.clusters, listener: built.listeners, route: [] },
    }),
  ];
  // Problems are looked up with the origins of the resource they sit in.
  const parts = new Map<string, { routeIndex: number; routeId: string }>();
  built.listeners.forEach((l, i) => {
    for (const [k, o] of l.parts ?? []) parts.set(`static_resources.listeners[${i}].${k}`, o);
  });
  built.clusters.forEach((c, i) => {
    if (c.origin !== undefined) parts.set(`static_resources.clusters[${i}]`, c.origin);
  });
  const item: NamedResource = { name: 'bootstrap', resource: bootstrap, parts };
  issues.push(...checkResource('envoy.config.bootstrap.v3.Bootstrap', item, 'bootstrap').issues);
  return issues.length > 0
    ? { ok: false, issues }
    : { ok: true, bootstrap, warnings: built.warnings };
}
