// Prometheus metrics of the ADS server (listed in docs/observability.md): snapshots published,
// the version being served, and Envoy's ACKs and NACKs by resource type.
import { byLabel, metricFamily } from '../../wire/index.js';

export interface XdsMetrics {
  published(version: string): void;
  ack(typeUrl: string): void;
  nack(typeUrl: string): void;
  render(): string;
}

const kind = (typeUrl: string): string => {
  const name = typeUrl.slice(typeUrl.lastIndexOf('.') + 1).toLowerCase();
  return name === 'routeconfiguration' ? 'route' : name;
};

export function createXdsMetrics(): XdsMetrics {
  let published = 0;
  let version = '';
  const acks = new Map<string, number>();
  const nacks = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const counter = (name: string, help: string, m: ReadonlyMap<string, number>) =>
    metricFamily(name, 'counter', help, byLabel('type', m));
  for (const t of ['cluster', 'listener', 'route']) {
    acks.set(t, 0);
    nacks.set(t, 0);
  }
  return {
    published(v) {
      published++;
      version = v;
    },
    ack: (t) => bump(acks, kind(t)),
    nack: (t) => bump(nacks, kind(t)),
    render() {
      return `${[
        ...metricFamily(
          'portcullis_xds_snapshots_published_total',
          'counter',
          'Envoy snapshots published by the ADS server.',
          [[{}, published]],
        ),
        ...metricFamily(
          'portcullis_xds_snapshot_info',
          'gauge',
          'The snapshot version being served (label version).',
          [[{ version: version.replace(/[^0-9a-zA-Z._-]/g, '') }, 1]],
        ),
        ...counter('portcullis_xds_acks_total', 'Resources Envoy accepted (ACK), by type.', acks),
        ...counter(
          'portcullis_xds_nacks_total',
          'Resources Envoy rejected (NACK), by type.',
          nacks,
        ),
      ].join('\n')}\n`;
    },
  };
}
