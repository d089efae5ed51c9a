// One immutable snapshot per config version (go-control-plane's Snapshot): every listener,
// route configuration and cluster. Versions are given when it is validated and encoded
// (validate-snapshot.ts): a hash of each kind's bytes, so an unchanged kind keeps its version.
import type { Config } from '../../config/index.js';
import type { ResourceKind } from '../lib/names.js';
import type { EnvoyBuildOptions, NamedResource, Snapshot } from '../types.js';
import { buildResources } from './build-resources.js';

/** Pure: the same config and options always give the same snapshot. */
export function buildSnapshot(config: Config, opts: EnvoyBuildOptions): Snapshot {
  const built = buildResources(config, opts, 'ads');
  const resources: Record<ResourceKind, readonly NamedResource[]> = {
    cluster: built.clusters,
    listener: built.listeners,
    route: built.routes,
  };
  // Frozen down to each resource; the resource trees are fresh objects nobody else holds
  // (freezing 10,000 routes deeply costs a quarter of a second).
  for (const item of built.secrets) Object.freeze(item);
  for (const list of Object.values(resources)) {
    for (const item of list) Object.freeze(item);
    Object.freeze(list);
  }
  return Object.freeze({
    resources: Object.freeze(resources),
    secrets: Object.freeze(built.secrets),
    buildIssues: Object.freeze(built.issues),
    warnings: Object.freeze(built.warnings),
  });
}
