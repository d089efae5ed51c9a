// The immutable state one Check runs on, built from one LoadedConfig: routes by id with their
// compiled policy, identity provider id, client CA, identity-header settings and parsed
// templates; the wire keys; the signing key. A reload builds a new state and swaps one reference.
import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type Config,
  compileRe2Anchored,
  type LoadedConfig,
  type Route,
} from '../../config/index.js';
import { PortcullisError } from '../../errors/index.js';
import { type McpServerSettings, mcpServerOf } from '../../mcp/index.js';
import { computeIdpId, deriveKeys, loadSigningKeys, type SigningKey } from '../../wire/index.js';
import {
  type ClientCaBundle,
  makeBundle,
  parseCaCertificates,
  type SanRule,
} from '../mtls/judge-client-certificate.js';
import { type RevokedSerials, readCrls } from '../mtls/read-crl.js';
import type { CompiledPolicy } from '../policy/types.js';
import { type HeaderTemplate, parseHeaderTemplate } from '../respond/header-template.js';

/** Turns a config into compiled policies keyed by route id (the policy engine's function). */
export type CompilePolicies = (loaded: LoadedConfig) => ReadonlyMap<string, CompiledPolicy>;

export interface RouteState {
  readonly id: string;
  readonly route: Route;
  readonly policy: CompiledPolicy;
  readonly idpId: string;
  readonly clientCa: ClientCaBundle | null;
  readonly passIdentityHeaders: boolean;
  readonly issuerUri: boolean;
  /** `jwt_claims_headers` as [lower-case header, claim]. */
  readonly claimHeaders: readonly (readonly [string, string])[];
  readonly claimHeaderNames: ReadonlySet<string>;
  /** The OK answer carries or templates the signed assertion. */
  readonly needsJwt: boolean;
  readonly setRequestHeaders: readonly (readonly [string, HeaderTemplate])[];
  readonly routingKey: boolean;
  readonly dependsOn: readonly string[];
  readonly showErrorDetails: boolean;
  readonly groupsFilter: ReadonlySet<string> | null;
  /** kubernetes_service_account_token(_file), trimmed; null when the route has none. */
  readonly kubernetesToken: string | null;
  /** `mcp: server:` settings (docs/mcp.md), or null for other routes. */
  readonly mcpServer: McpServerSettings | null;
}

export interface AuthzState {
  /** The parsed config (not the LoadedConfig: its YAML document is not kept alive). */
  readonly config: Config;
  /** Increases with every successful build (logged on reload). */
  readonly generation: number;
  readonly routes: ReadonlyMap<string, RouteState>;
  readonly sessionKey: Uint8Array;
  readonly urlKey: Uint8Array;
  readonly signingKey: SigningKey;
  /** `authenticate_service_url` (null: logins cannot redirect, every login answer is 401). */
  readonly authenticateUrl: string | null;
  readonly cookieName: string;
  /** `{cookie_name}`: the cookies never forwarded upstream. */
  readonly cookieNames: ReadonlySet<string>;
  readonly groupsClaim: string;
  /** Internal Check deadline, ms: always shorter than Envoy's ext_authz timeout. */
  readonly deadlineMs: number;
}

export interface BuildStateOptions {
  readonly compile: CompilePolicies;
  /** Used when the config has no `signing_key`. */
  readonly fallbackSigningKeys: () => readonly SigningKey[];
  readonly generation: number;
}

function invalid(message: string): PortcullisError {
  return new PortcullisError('CONFIG_INVALID', message);
}

/** Internal deadline: 80 % of the ext_authz timeout, at most 500 ms less, at least 5 ms. */
export function internalDeadline(grpcClientTimeoutMs: number): number {
  const t = grpcClientTimeoutMs > 0 ? grpcClientTimeoutMs : 30_000;
  return Math.max(5, Math.min(t - Math.min(500, t * 0.2), t * 0.8));
}

function readText(text: string | undefined, file: string | undefined, base: string, key: string) {
  if (text) return text;
  if (!file) return null;
  try {
    return readFileSync(resolve(base, file), 'utf8');
  } catch {
    throw invalid(`${key}_file: the file cannot be read`);
  }
}

function parseCas(text: string | null, key: string): X509Certificate[] | null {
  if (text === null) return null;
  try {
    return parseCaCertificates(text);
  } catch (err) {
    throw invalid(`${key}: cannot read the client CA bundle (${(err as Error).message})`);
  }
}

const SAN_TYPES: Readonly<Record<string, SanRule['type']>> = {
  dns: 'DNS',
  email: 'email',
  uri: 'URI',
  ip_address: 'IP Address',
  user_principal_name: 'othername',
};

function sanRules(entries: readonly Readonly<Record<string, string>>[] | undefined): SanRule[] {
  const out: SanRule[] = [];
  for (const entry of entries ?? []) {
    for (const [k, v] of Object.entries(entry)) {
      const type = SAN_TYPES[k];
      if (!type) throw invalid(`downstream_mtls.match_subject_alt_names: unknown SAN type "${k}"`);
      // RE2 semantics, as Pomerium (docs/pomerium-behaviour.md §1.8): what RE2 rejects is refused.
      try {
        out.push({ type, pattern: compileRe2Anchored(v) });
      } catch (err) {
        throw invalid(
          `downstream_mtls.match_subject_alt_names.${k}: not an RE2 regular expression: ${(err as Error).message}`,
        );
      }
    }
  }
  return out;
}

export function buildAuthzState(loaded: LoadedConfig, options: BuildStateOptions): AuthzState {
  const config = loaded.config;
  if (!config.shared_secret) {
    throw invalid('shared_secret is required by authorize (all-in-one mode generates one)');
  }
  const keys = deriveKeys(config.shared_secret, config.cookie_secret);
  const signingKeys = config.signing_key
    ? loadSigningKeys(config.signing_key)
    : options.fallbackSigningKeys();
  const signingKey = signingKeys[0];
  if (!signingKey) throw invalid('no signing key');
  const base = dirname(loaded.file);
  const mtls = config.downstream_mtls;
  const globalCas = parseCas(
    readText(mtls?.ca, mtls?.ca_file, base, 'downstream_mtls.ca'),
    'downstream_mtls.ca',
  );
  const routeCas = config.routes.map((route, i) =>
    parseCas(
      readText(
        route.tls_downstream_client_ca,
        route.tls_downstream_client_ca_file,
        base,
        `routes[${i}].tls_downstream_client_ca`,
      ),
      `routes[${i}].tls_downstream_client_ca`,
    ),
  );
  const crlText = readText(mtls?.crl, mtls?.crl_file, base, 'downstream_mtls.crl');
  let revoked: RevokedSerials | null = null;
  if (crlText !== null) {
    const all = [...(globalCas ?? []), ...routeCas.flatMap((c) => c ?? [])];
    try {
      revoked = readCrls(crlText, all);
    } catch (err) {
      throw invalid(`downstream_mtls.crl: ${(err as Error).message}`);
    }
  }
  const rules = sanRules(mtls?.match_subject_alt_names);
  const bundles = new Map<X509Certificate[], ClientCaBundle>();
  const bundleOf = (cas: X509Certificate[] | null): ClientCaBundle | null => {
    if (cas === null) return null;
    let b = bundles.get(cas);
    if (!b) {
      b = makeBundle(cas, revoked, rules, mtls?.max_verify_depth ?? 1);
      bundles.set(cas, b);
    }
    return b;
  };
  const policies = options.compile(loaded);
  const claimHeaders = Object.entries(config.jwt_claims_headers).map(
    ([h, c]) => [h.toLowerCase(), c] as const,
  );
  const claimHeaderNames = new Set(claimHeaders.map(([n]) => n));
  const globalIdpId = computeIdpId(config);
  const routes = new Map<string, RouteState>();
  config.routes.forEach((route, i) => {
    const policy = policies.get(route.id);
    if (!policy) throw invalid(`routes[${i}]: no compiled policy for route id "${route.id}"`);
    const filter = route.jwt_groups_filter ?? config.jwt_groups_filter;
    const passIdentityHeaders = route.pass_identity_headers ?? config.pass_identity_headers;
    const templates = Object.entries(route.set_request_headers ?? {}).map(
      ([h, v]) => [h.toLowerCase(), parseHeaderTemplate(v)] as const,
    );
    routes.set(route.id, {
      id: route.id,
      route,
      policy,
      // one hash for every route without client credentials of its own
      idpId:
        route.idp_client_id || route.idp_client_secret ? computeIdpId(config, route) : globalIdpId,
      clientCa: bundleOf(routeCas[i] ?? globalCas),
      passIdentityHeaders,
      issuerUri: (route.jwt_issuer_format ?? config.jwt_issuer_format) === 'uri',
      claimHeaders,
      claimHeaderNames,
      needsJwt: passIdentityHeaders || templates.some(([, t]) => t.needsJwt),
      setRequestHeaders: templates,
      routingKey:
        route.load_balancing_policy === 'ring_hash' || route.load_balancing_policy === 'maglev',
      dependsOn: route.depends_on ?? [],
      showErrorDetails: route.show_error_details !== false,
      groupsFilter: filter ? new Set(filter) : null,
      kubernetesToken:
        readText(
          route.kubernetes_service_account_token,
          route.kubernetes_service_account_token_file,
          base,
          `routes[${i}].kubernetes_service_account_token`,
        )?.trim() || null,
      mcpServer: mcpServerOf(route),
    });
  });
  return Object.freeze({
    config,
    generation: options.generation,
    routes,
    sessionKey: keys.sessionKey,
    urlKey: keys.urlKey,
    signingKey,
    authenticateUrl: config.authenticate_service_url ?? null,
    cookieName: config.cookie_name,
    cookieNames: new Set([config.cookie_name]),
    groupsClaim: config.groups_claim,
    deadlineMs: internalDeadline(config.grpc_client_timeout),
  });
}
