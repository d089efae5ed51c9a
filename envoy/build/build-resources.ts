// Assembles every resource of one config: listeners, the route configuration, the authz and authn
// clusters and one cluster per proxied route. Routes Envoy cannot serve yet (TCP/UDP/SSH, unix
// sockets, mixed plain/TLS upstreams, removing pseudo or Host headers) become issues naming them.
import type { Config, Route } from '../../config/index.js';
import { re2Problem } from '../lib/check-re2-syntax.js';
import { type Json, pemOrFile } from '../lib/envoy-values.js';
import { AUTHN_CLUSTER, AUTHZ_CLUSTER, OTEL_CLUSTER } from '../lib/names.js';
import type { EnvoyBuildOptions, EnvoyIssue, NamedResource } from '../types.js';
import { findIgnoredSettings } from '../validate/find-ignored-settings.js';
import { buildAuthnCluster, buildAuthzCluster, buildRouteCluster } from './build-cluster.js';
import type { RouteSource } from './build-http-connection-manager.js';
import { buildMainListener, buildRedirectListener } from './build-listener.js';
import { buildRouteConfig, type IndexedRoute } from './build-route-config.js';
import { buildSdsSecrets } from './build-sds-secrets.js';
import { configuredCertificates } from './build-tls-context.js';
import { buildOtelCollectorCluster } from './build-tracing.js';

export interface BuiltResources {
  readonly listeners: NamedResource[];
  readonly routes: NamedResource[];
  readonly clusters: NamedResource[];
  /** SDS secrets (autocert only). */
  readonly secrets: NamedResource[];
  readonly issues: EnvoyIssue[];
  /** Settings not honoured; the resources are still usable. */
  readonly warnings: EnvoyIssue[];
}

const HTTP_FROM = new Set(['http:', 'https:']);
const HTTP_TO = new Set(['http:', 'https:', 'h2c:']);

/** A URL's scheme as `URL#protocol` gives it; the config's URLs were already parsed when loaded. */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const protocolOf = (url: string): string => {
  const m = SCHEME.exec(url);
  return m === null ? new URL(url).protocol : `${m[1]!.toLowerCase()}:`;
};

function routeProblem(route: Route, index: number): Omit<EnvoyIssue, 'resource'> | undefined {
  const issue = (code: EnvoyIssue['code'], message: string) => ({
    code,
    field: '',
    message,
    route: { index, id: route.id, path: `routes[${index}]` },
  });
  if (!HTTP_FROM.has(protocolOf(route.from))) {
    return issue(
      'ENVOY_UNSUPPORTED',
      'TCP, UDP and SSH routes are not supported by the Envoy generator yet',
    );
  }
  let https = false;
  let plain = false;
  for (const t of route.to ?? []) {
    const s = protocolOf(t.url);
    if (!HTTP_TO.has(s))
      return issue('ENVOY_UNSUPPORTED', `${s.slice(0, -1)} upstreams are not supported yet`);
    if (s === 'https:') https = true;
    else plain = true;
  }
  if (https && plain) {
    return issue('ENVOY_UNSUPPORTED', 'a route cannot mix https upstreams with plain ones');
  }
  const bad = (route.remove_request_headers ?? []).find(
    (h) => h.startsWith(':') || h.toLowerCase() === 'host',
  );
  if (bad !== undefined) {
    return issue(
      'ENVOY_RESOURCE_INVALID',
      `remove_request_headers cannot remove ${bad} (Envoy refuses pseudo-headers and Host)`,
    );
  }
  for (const key of [
    'regex',
    'regex_rewrite_pattern',
    'host_path_regex_rewrite_pattern',
  ] as const) {
    const pattern = route[key];
    const why = pattern === undefined ? undefined : re2Problem(pattern);
    if (why !== undefined) return issue('ENVOY_RESOURCE_INVALID', `${key}: ${why}`);
  }
  return undefined;
}

export function buildResources(
  config: Config,
  opts: EnvoyBuildOptions,
  routes: 'ads' | 'inline',
): BuiltResources {
  const issues: EnvoyIssue[] = [];
  const usable: IndexedRoute[] = [];
  config.routes.forEach((route, index) => {
    const p = routeProblem(route, index);
    if (p === undefined) usable.push({ route, index });
    else issues.push({ ...p, resource: `route ${route.id}` });
  });
  const certificates = configuredCertificates(config, opts.baseDir);
  const built = buildRouteConfig(config, usable, certificates.length > 0);
  issues.push(...built.issues);
  // autocert: every certificate over SDS (build-sds-secrets.ts), the placeholders included.
  const sds =
    config.autocert && !config.insecure_server && routes === 'ads' && opts.autocert !== undefined
      ? buildSdsSecrets(
          certificates,
          opts.autocert,
          opts.devCertificate === undefined
            ? undefined
            : {
                certificate_chain: pemOrFile(opts.devCertificate.cert, undefined),
                private_key: pemOrFile(opts.devCertificate.key, undefined),
              },
        )
      : undefined;
  if (sds === undefined && certificates.length === 0 && !config.insecure_server) {
    if (opts.devCertificate === undefined) {
      issues.push({
        code: 'ENVOY_RESOURCE_INVALID',
        resource: 'listener',
        field: '',
        message:
          'no certificate configured (set certificates or certificate_file, or insecure_server for development)',
      });
    } else {
      certificates.push({
        certificate_chain: pemOrFile(opts.devCertificate.cert, undefined),
        private_key: pemOrFile(opts.devCertificate.key, undefined),
      });
    }
  }
  const source: RouteSource =
    routes === 'ads' ? { ads: true } : { inline: built.resource.resource };
  const main = buildMainListener(
    config,
    opts,
    source,
    sds === undefined ? certificates : { sds: sds.sdsConfigs },
  );
  const listeners: NamedResource[] = [
    {
      name: main.name as string,
      resource: main,
      ...(routes === 'inline' ? { parts: inlineParts(built.resource.parts) } : {}),
    },
  ];
  const redirect = buildRedirectListener(config, opts);
  if (redirect !== undefined) listeners.push({ name: redirect.name as string, resource: redirect });
  const clusters: NamedResource[] = [
    { name: AUTHZ_CLUSTER, resource: buildAuthzCluster(opts.authz, config, opts) },
    { name: AUTHN_CLUSTER, resource: buildAuthnCluster(opts.authn, config, opts) },
  ];
  const collector = buildOtelCollectorCluster(config);
  if (collector !== undefined) clusters.push({ name: OTEL_CLUSTER, resource: collector });
  for (const { route, index } of usable) {
    const c: Json | undefined = buildRouteCluster(route, config, opts);
    if (c !== undefined) {
      clusters.push({
        name: c.name as string,
        resource: c,
        origin: { routeIndex: index, routeId: route.id },
      });
    }
  }
  const warnings = findIgnoredSettings(config);
  if (config.autocert && routes === 'inline') {
    warnings.push({
      code: 'ENVOY_UNSUPPORTED',
      resource: 'listener',
      field: '',
      message:
        'autocert needs `portcullis start` (its certificates reach Envoy over ADS/SDS); this bootstrap serves the configured or development certificate',
    });
  }
  return {
    listeners,
    routes: routes === 'ads' ? [built.resource] : [],
    clusters,
    secrets: sds?.secrets ?? [],
    issues,
    warnings,
  };
}

function inlineParts(parts: NamedResource['parts']): NamedResource['parts'] {
  const at = 'filter_chains[0].filters[0].typed_config.route_config.';
  return new Map([...(parts ?? [])].map(([k, o]) => [at + k, o]));
}
