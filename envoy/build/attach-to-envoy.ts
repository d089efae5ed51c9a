// `portcullis envoy attach`: adds Portcullis to an Envoy configuration a team already runs, with
// a small diff and nothing of theirs changed in meaning (README "Beside an existing Envoy").
// Into each of their HTTP connection managers (inline route configs): our ext_authz filter first
// in the chain; our virtual hosts (the protected hosts, with /.pomerium/* to authn, and the
// authenticate host) ahead of theirs; on each of their routes, ext_authz disabled explicitly.
// Our clusters join theirs. Their listeners, TLS, other filters and routes stay as they were.
import type { Config } from '../../config/index.js';
import type { Json } from '../lib/envoy-values.js';
import { EXT_AUTHZ_FILTER, TYPES } from '../lib/names.js';
import type { EnvoyBuildOptions, EnvoyIssue } from '../types.js';
import { buildExtAuthzFilter } from './build-ext-authz-filter.js';
import { buildResources } from './build-resources.js';

const HCM_FILTER = 'envoy.filters.network.http_connection_manager';

/** What attach adds, for teams that merge by hand or run Envoy under another control plane. */
export interface AttachPieces {
  /** Put first in each HTTP connection manager's http_filters. */
  readonly extAuthzFilter: Json;
  /** Add to static_resources.clusters (or serve them over CDS). */
  readonly clusters: readonly Json[];
  /** Add to the route configuration, ahead of your own virtual hosts. */
  readonly virtualHosts: readonly Json[];
  /** Put on every route of yours (typed_per_filter_config) so ext_authz leaves it alone. */
  readonly disableOnYourRoutes: Json;
}

export type AttachResult =
  | {
      readonly ok: true;
      readonly merged: Json;
      readonly pieces: AttachPieces;
      /** `listener/vhost/route` names of their routes on which ext_authz was disabled. */
      readonly disabledRoutes: readonly string[];
      readonly warnings: readonly EnvoyIssue[];
    }
  | { readonly ok: false; readonly issues: readonly EnvoyIssue[]; readonly pieces?: AttachPieces };

const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isMap) : []);

/** The pieces of a config, ready to be merged (our listener is not used). */
export function buildAttachPieces(
  config: Config,
  opts: EnvoyBuildOptions,
): { pieces: AttachPieces; issues: EnvoyIssue[]; warnings: EnvoyIssue[] } {
  const dev = { cert: '-', key: '-' }; // the listener is not used: no certificate is needed
  const built = buildResources(config, { ...opts, devCertificate: dev }, 'inline');
  const hcm = ((built.listeners[0]!.resource.filter_chains as Json[])[0]!.filters as Json[])[0]!
    .typed_config as Json;
  const routeConfig = hcm.route_config as Json;
  const global = listOf(routeConfig.response_headers_to_add);
  // Route-config-level headers do not travel with virtual hosts: each of our routes carries them,
  // its own after the global ones (applied in order, so a route's own value wins as before).
  const virtualHosts = listOf(routeConfig.virtual_hosts).map((vh) => ({
    ...vh,
    routes: listOf(vh.routes).map((r) =>
      global.length === 0
        ? r
        : { ...r, response_headers_to_add: [...global, ...listOf(r.response_headers_to_add)] },
    ),
  }));
  return {
    pieces: {
      extAuthzFilter: buildExtAuthzFilter(config),
      clusters: built.clusters.map((c) => c.resource),
      virtualHosts,
      disableOnYourRoutes: {
        [EXT_AUTHZ_FILTER]: { '@type': TYPES.extAuthzPerRoute, disabled: true },
      },
    },
    issues: built.issues,
    warnings: built.warnings,
  };
}

function issue(resource: string, message: string, clash = false): EnvoyIssue {
  const code = clash ? 'ENVOY_SNAPSHOT_INCONSISTENT' : 'ENVOY_UNSUPPORTED';
  return { code, resource, field: '', message };
}

/**
 * Merges Portcullis into `theirs` (an Envoy bootstrap as parsed YAML/JSON). `listeners` limits it
 * to those listener names (default: every listener with an HTTP connection manager).
 */
export function attachToEnvoy(
  config: Config,
  opts: EnvoyBuildOptions,
  theirs: Json,
  listeners?: readonly string[],
): AttachResult {
  const { pieces, issues, warnings } = buildAttachPieces(config, opts);
  if (issues.length > 0) return { ok: false, issues, pieces };
  const merged = structuredClone(theirs);
  const statics = isMap(merged.static_resources) ? merged.static_resources : undefined;
  if (statics === undefined) {
    return {
      ok: false,
      issues: [issue('bootstrap', 'no static_resources: attach merges into static listeners')],
      pieces,
    };
  }
  const ourDomains = new Set(pieces.virtualHosts.flatMap((v) => (v.domains as string[]) ?? []));
  const disabled: string[] = [];
  let attached = 0;
  for (const listener of listOf(statics.listeners)) {
    const lname = String(listener.name ?? '');
    if (listeners !== undefined && !listeners.includes(lname)) continue;
    for (const chain of listOf(listener.filter_chains)) {
      for (const filter of listOf(chain.filters)) {
        const hcm = isMap(filter.typed_config) ? filter.typed_config : undefined;
        if (filter.name !== HCM_FILTER && hcm?.['@type'] !== TYPES.hcm) continue;
        if (hcm === undefined) continue;
        const where = `listener ${lname}`;
        if (!isMap(hcm.route_config)) {
          issues.push(
            issue(
              where,
              'its routes come over RDS: merge the pieces by hand (portcullis envoy attach --pieces)',
            ),
          );
          continue;
        }
        const filters = listOf(hcm.http_filters);
        if (filters.some((f) => f.name === EXT_AUTHZ_FILTER)) {
          issues.push(issue(where, 'it already has an ext_authz filter; attach adds its own'));
          continue;
        }
        hcm.http_filters = [pieces.extAuthzFilter, ...filters];
        const rc = hcm.route_config;
        const theirHosts = listOf(rc.virtual_hosts);
        for (const vh of theirHosts) {
          for (const d of (vh.domains as string[] | undefined) ?? []) {
            if (ourDomains.has(d)) {
              issues.push(
                issue(
                  where,
                  `virtual host ${String(vh.name)} already serves ${d}, a Portcullis host`,
                  true,
                ),
              );
            }
          }
          for (const r of listOf(vh.routes)) {
            r.typed_per_filter_config = {
              ...(isMap(r.typed_per_filter_config) ? r.typed_per_filter_config : {}),
              ...pieces.disableOnYourRoutes,
            };
            disabled.push(
              `${lname}/${String(vh.name)}/${String(r.name ?? JSON.stringify(r.match))}`,
            );
          }
        }
        rc.virtual_hosts = [...pieces.virtualHosts, ...theirHosts];
        attached++;
      }
    }
  }
  if (attached === 0 && issues.length === 0) {
    issues.push(issue('bootstrap', 'no listener with an HTTP connection manager to attach to'));
  }
  const theirClusters = listOf(statics.clusters);
  const names = new Set(theirClusters.map((c) => c.name));
  for (const c of pieces.clusters) {
    if (names.has(c.name))
      issues.push(issue(`cluster ${String(c.name)}`, 'the name is taken by one of yours', true));
  }
  statics.clusters = [...theirClusters, ...pieces.clusters];
  if (issues.length > 0) return { ok: false, issues, pieces };
  return { ok: true, merged, pieces, disabledRoutes: disabled, warnings };
}
