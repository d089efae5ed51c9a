// autocert over SDS (docs/acme.md): every certificate of the main listener becomes a secret the
// ADS server serves, and the listener names them (tls_certificate_sds_secret_configs) instead of
// holding them inline. A renewed certificate is then a new secret version only: the listener is
// not replaced, so its connections are not drained — new handshakes get the new certificate.
// Configured certificates come first (they win for their names), then the autocert hosts', and
// the development certificate only when there is nothing else.
import type { Json } from '../lib/envoy-values.js';
import type { EnvoyBuildOptions, NamedResource } from '../types.js';

const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };

export const autocertSecretName = (host: string): string => `autocert-${host}`;

export function buildSdsSecrets(
  configured: readonly Json[],
  autocert: NonNullable<EnvoyBuildOptions['autocert']>,
  dev: Json | undefined,
): { secrets: NamedResource[]; sdsConfigs: Json[] } {
  const secrets: NamedResource[] = [];
  configured.forEach((c, i) => {
    secrets.push({
      name: `configured-${i}`,
      resource: { name: `configured-${i}`, tls_certificate: c },
    });
  });
  for (const a of autocert.certificates) {
    const name = autocertSecretName(a.host);
    secrets.push({
      name,
      resource: {
        name,
        tls_certificate: {
          certificate_chain: { inline_string: a.cert },
          private_key: { inline_string: a.key },
        },
      },
    });
  }
  if (secrets.length === 0 && dev !== undefined) {
    secrets.push({ name: 'development', resource: { name: 'development', tls_certificate: dev } });
  }
  return {
    secrets,
    sdsConfigs: secrets.map((s) => ({ name: s.name, sds_config: ADS_SOURCE })),
  };
}
