// Prometheus metrics of autocert (docs/acme.md, docs/observability.md): orders started and
// failed by reason (the CA's problem type, e.g. rateLimited, rejectedIdentifier, unreachable),
// certificates obtained, and per host whether a CA-issued certificate is served and when it expires.

export interface AutocertMetrics {
  ordered(): void;
  obtained(): void;
  failed(reason: string): void;
  render(hosts: readonly { host: string; ok: boolean; notAfter: number }[]): string;
}

const label = (v: string) => v.replace(/[^A-Za-z0-9._:-]/g, '_');

export function createAutocertMetrics(): AutocertMetrics {
  let orders = 0;
  let obtained = 0;
  const failures = new Map<string, number>();
  return {
    ordered: () => void orders++,
    obtained: () => void obtained++,
    failed: (reason) => void failures.set(reason, (failures.get(reason) ?? 0) + 1),
    render(hosts) {
      return `${[
        '# HELP portcullis_acme_orders_total Certificate orders this replica placed with the ACME CA.',
        '# TYPE portcullis_acme_orders_total counter',
        `portcullis_acme_orders_total ${orders}`,
        '# HELP portcullis_acme_certificates_obtained_total Certificates this replica obtained.',
        '# TYPE portcullis_acme_certificates_obtained_total counter',
        `portcullis_acme_certificates_obtained_total ${obtained}`,
        '# HELP portcullis_acme_failures_total Failed orders by reason (the CA problem type).',
        '# TYPE portcullis_acme_failures_total counter',
        ...[...failures].map(
          ([r, n]) => `portcullis_acme_failures_total{reason="${label(r)}"} ${n}`,
        ),
        '# HELP portcullis_acme_certificate_ok 1 when the host is served a CA-issued certificate that is not expired.',
        '# TYPE portcullis_acme_certificate_ok gauge',
        ...hosts.map(
          (h) => `portcullis_acme_certificate_ok{host="${label(h.host)}"} ${h.ok ? 1 : 0}`,
        ),
        '# HELP portcullis_acme_certificate_expiry_seconds When the served certificate of the host expires (Unix time; 0 = none).',
        '# TYPE portcullis_acme_certificate_expiry_seconds gauge',
        ...hosts.map(
          (h) =>
            `portcullis_acme_certificate_expiry_seconds{host="${label(h.host)}"} ${Math.floor(h.notAfter / 1000)}`,
        ),
      ].join('\n')}\n`;
    },
  };
}
