// TLS contexts. Downstream: every configured certificate (or the development one), ALPN by
// codec, and when a client CA is configured a requested client certificate with chain
// verification ACCEPT_UNTRUSTED (authz judges validity) unless enforcement is reject_connection.
// Upstream: SNI, SAN check, trusted CA (route, global, system), client certificate, skip-verify.
import { isIP } from 'node:net';
import type { Config, Route } from '../../config/index.js';
import { base64Pem, fileSource, type Json, pemOrFile } from '../lib/envoy-values.js';
import { TYPES } from '../lib/names.js';
import type { EnvoyBuildOptions } from '../types.js';

/** The certificate pairs of the config as Envoy TlsCertificates; [] when none is configured. */
export function configuredCertificates(config: Config, baseDir: string | undefined): Json[] {
  const out: Json[] = [];
  for (const c of config.certificates ?? []) {
    out.push({
      certificate_chain: pemOrFile(c.cert, baseDir),
      private_key: pemOrFile(c.key, baseDir),
    });
  }
  if (config.certificate !== undefined && config.certificate_key !== undefined) {
    out.push({
      certificate_chain: base64Pem(config.certificate),
      private_key: base64Pem(config.certificate_key),
    });
  }
  if (config.certificate_file !== undefined && config.certificate_key_file !== undefined) {
    out.push({
      certificate_chain: fileSource(config.certificate_file, baseDir),
      private_key: fileSource(config.certificate_key_file, baseDir),
    });
  }
  return out;
}

/** PEM data sources of the client CAs (global downstream_mtls plus per-route CAs). */
function clientCas(config: Config, baseDir: string | undefined): Json[] {
  const mtls = config.downstream_mtls;
  const out: Json[] = [];
  if (mtls?.ca !== undefined) out.push(base64Pem(mtls.ca));
  if (mtls?.ca_file !== undefined) out.push(fileSource(mtls.ca_file, baseDir));
  for (const r of config.routes) {
    if (r.tls_downstream_client_ca !== undefined) out.push(base64Pem(r.tls_downstream_client_ca));
    if (r.tls_downstream_client_ca_file !== undefined) {
      out.push(fileSource(r.tls_downstream_client_ca_file, baseDir));
    }
  }
  return out;
}

/** Whether any downstream client CA is configured (global or on a route). */
export function hasClientCa(config: Config): boolean {
  return clientCas(config, undefined).length > 0;
}

/** `certificates`: inline TlsCertificates, or `{ sds }`: the SDS secret configs to name. */
export function buildDownstreamTlsContext(
  config: Config,
  opts: EnvoyBuildOptions,
  certificates: readonly Json[] | { readonly sds: readonly Json[] },
): Json {
  const alpn = { http1: ['http/1.1'], http2: ['h2'] }[config.codec_type as 'http1'] ?? [
    'h2',
    'http/1.1',
  ];
  const common: Json = {
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
    ...('sds' in certificates
      ? { tls_certificate_sds_secret_configs: certificates.sds }
      : { tls_certificates: certificates }),
    alpn_protocols: alpn,
  };
  const cas = clientCas(config, opts.baseDir);
  const context: Json = { '@type': TYPES.downstreamTls, common_tls_context: common };
  if (cas.length > 0) {
    const mtls = config.downstream_mtls;
    const reject = mtls?.enforcement === 'reject_connection';
    // One trusted_ca data source: several CAs are concatenated when all are inline.
    const inline = cas.every((c) => typeof c.inline_string === 'string');
    const trusted = inline ? { inline_string: cas.map((c) => c.inline_string).join('\n') } : cas[0];
    const validation: Json = { trusted_ca: trusted };
    if (!reject) validation.trust_chain_verification = 'ACCEPT_UNTRUSTED';
    if (mtls?.crl !== undefined) validation.crl = base64Pem(mtls.crl);
    if (mtls?.crl_file !== undefined) validation.crl = fileSource(mtls.crl_file, opts.baseDir);
    if (mtls?.crl !== undefined || mtls?.crl_file !== undefined)
      validation.only_verify_leaf_cert_crl = true;
    // Pomerium's meaning: default 1 (issued directly by a CA), 0 = no limit (Envoy's 0 would
    // allow no CA at all, so it is left out); authz applies the same rule (judge-client-certificate.ts).
    const depth = mtls?.max_verify_depth ?? 1;
    if (depth > 0) validation.max_verify_depth = depth;
    common.validation_context = validation;
    context.require_client_certificate = reject;
  }
  return context;
}

export const DEFAULT_SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';

export function buildUpstreamTlsContext(
  route: Route,
  config: Config,
  opts: EnvoyBuildOptions,
  hostname: string,
): Json {
  const sni = route.tls_upstream_server_name ?? route.tls_server_name ?? hostname;
  const common: Json = {};
  if (route.tls_skip_verify) {
    common.validation_context = { trust_chain_verification: 'ACCEPT_UNTRUSTED' };
  } else {
    let ca: Json;
    if (route.tls_custom_ca !== undefined) ca = base64Pem(route.tls_custom_ca);
    else if (route.tls_custom_ca_file !== undefined)
      ca = fileSource(route.tls_custom_ca_file, opts.baseDir);
    else if (config.certificate_authority !== undefined)
      ca = base64Pem(config.certificate_authority);
    else if (config.certificate_authority_file !== undefined) {
      ca = fileSource(config.certificate_authority_file, opts.baseDir);
    } else ca = { filename: opts.systemCaFile ?? DEFAULT_SYSTEM_CA };
    common.validation_context = {
      trusted_ca: ca,
      match_typed_subject_alt_names: [
        { san_type: isIP(sni) === 0 ? 'DNS' : 'IP_ADDRESS', matcher: { exact: sni } },
      ],
    };
  }
  if (route.tls_client_cert !== undefined && route.tls_client_key !== undefined) {
    common.tls_certificates = [
      {
        certificate_chain: base64Pem(route.tls_client_cert),
        private_key: base64Pem(route.tls_client_key),
      },
    ];
  } else if (route.tls_client_cert_file !== undefined && route.tls_client_key_file !== undefined) {
    common.tls_certificates = [
      {
        certificate_chain: fileSource(route.tls_client_cert_file, opts.baseDir),
        private_key: fileSource(route.tls_client_key_file, opts.baseDir),
      },
    ];
  }
  const context: Json = { '@type': TYPES.upstreamTls, sni, common_tls_context: common };
  if (route.tls_upstream_allow_renegotiation) context.allow_renegotiation = true;
  return { name: 'envoy.transport_sockets.tls', typed_config: context };
}
