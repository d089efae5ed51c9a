// TLS from Envoy to Portcullis' own services (authorize Check, ADS, authn's internal listener):
// the server is verified against certificate_authority (else the system bundle) under the name
// override_certificate_name or the host connected to (SNI and an exact SAN match), and Envoy
// presents the gRPC client certificate (grpc_client_certificate*) so authorize and ADS can
// authenticate it (docs/architecture.md "The control plane is private and authenticated").
import { isIP } from 'node:net';
import type { Config } from '../../config/index.js';
import { base64Pem, fileSource, type Json } from '../lib/envoy-values.js';
import { TYPES } from '../lib/names.js';
import type { EnvoyBuildOptions } from '../types.js';
import { DEFAULT_SYSTEM_CA } from './build-tls-context.js';

type Options = Pick<EnvoyBuildOptions, 'baseDir' | 'systemCaFile' | 'internalTls'>;

function trustedCa(config: Config | undefined, opts: Options | undefined): Json {
  if (opts?.internalTls?.ca !== undefined) return { inline_string: opts.internalTls.ca };
  if (config?.certificate_authority !== undefined) return base64Pem(config.certificate_authority);
  if (config?.certificate_authority_file !== undefined) {
    return fileSource(config.certificate_authority_file, opts?.baseDir);
  }
  return { filename: opts?.systemCaFile ?? DEFAULT_SYSTEM_CA };
}

/** The client certificate Envoy presents, or undefined when none is configured or given. */
function clientCertificate(
  config: Config | undefined,
  opts: Options | undefined,
): Json | undefined {
  const given = opts?.internalTls?.clientCert;
  if (given !== undefined) {
    return {
      certificate_chain: { inline_string: given.cert },
      private_key: { inline_string: given.key },
    };
  }
  if (config?.grpc_client_certificate !== undefined) {
    if (config.grpc_client_certificate_key === undefined) return undefined;
    return {
      certificate_chain: base64Pem(config.grpc_client_certificate),
      private_key: base64Pem(config.grpc_client_certificate_key),
    };
  }
  if (
    config?.grpc_client_certificate_file !== undefined &&
    config.grpc_client_certificate_key_file !== undefined
  ) {
    return {
      certificate_chain: fileSource(config.grpc_client_certificate_file, opts?.baseDir),
      private_key: fileSource(config.grpc_client_certificate_key_file, opts?.baseDir),
    };
  }
  return undefined;
}

/** The name a service's certificate must carry: override_certificate_name, else the host. */
export function internalServerName(host: string, config: Config | undefined): string {
  return config?.override_certificate_name ?? host;
}

/** The `envoy.transport_sockets.tls` transport socket towards one of our services at `host`. */
export function buildInternalUpstreamTls(
  host: string,
  config: Config | undefined,
  opts: Options | undefined,
  alpn: readonly string[],
): Json {
  const name = internalServerName(host, config);
  const common: Json = {
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
    alpn_protocols: [...alpn],
    validation_context: {
      trusted_ca: trustedCa(config, opts),
      match_typed_subject_alt_names: [
        { san_type: isIP(name) === 0 ? 'DNS' : 'IP_ADDRESS', matcher: { exact: name } },
      ],
    },
  };
  const cert = clientCertificate(config, opts);
  if (cert !== undefined) common.tls_certificates = [cert];
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPES.upstreamTls,
      ...(isIP(name) === 0 ? { sni: name } : {}),
      common_tls_context: common,
    },
  };
}
