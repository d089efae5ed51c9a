// Whether Envoy took what the ADS server published: start waits until the supervised Envoy ACKed
// the first snapshot (a NACK — e.g. a listener port already taken — fails the start), and later
// a NACK of the current snapshot by any node makes the process not ready until a snapshot is
// ACKed again (condition `envoy` of process-health.ts, with a log line).
import type { Logger } from 'pino';
import type { SnapshotEvent, XdsServer } from '../../envoy/index.js';
import { PortcullisError } from '../../errors/index.js';
import type { ProcessHealth } from './process-health.js';

export interface EnvoyAcceptance {
  /** The version about to be published (the one health follows). */
  published(version: string): void;
  /** Resolves when `node` ACKed `version`; rejects on its NACK or after timeoutMs. */
  accepted(node: string, version: string, timeoutMs: number): Promise<void>;
  close(): void;
}

export function watchEnvoyAcceptance(
  xds: XdsServer,
  health: ProcessHealth,
  logger: Logger,
): EnvoyAcceptance {
  let current: string | undefined;
  const rejectedBy = new Map<string, string>();
  const waiters = new Set<(e: SnapshotEvent) => void>();
  const update = (): void => {
    const first = rejectedBy.entries().next();
    health.set(
      'envoy',
      first.done
        ? null
        : `Envoy (node ${first.value[0]}) rejected configuration ${current}: ${first.value[1]}`,
    );
  };
  const off = xds.onSnapshot((e) => {
    for (const w of waiters) w(e);
    if (e.version !== current) return;
    if (e.kind === 'ack') {
      if (rejectedBy.delete(e.node)) {
        logger.info({ node: e.node, version: e.version }, 'Envoy accepted the configuration');
      }
    } else {
      rejectedBy.set(e.node, e.error);
      logger.error(
        { code: 'ENVOY_CONFIG_REJECTED', node: e.node, version: e.version, error: e.error },
        'not ready: Envoy rejected the configuration and keeps its last accepted one',
      );
    }
    update();
  });
  return {
    published(version) {
      current = version;
      // A node that rejected stays not ready until it ACKs the new version, unless it already
      // runs it (a config put back to the one Envoy kept is not sent again).
      const status = xds.status();
      for (const node of [...rejectedBy.keys()]) {
        if (status[node]?.ackedSnapshot === version) {
          rejectedBy.delete(node);
          logger.info({ node, version }, 'Envoy accepted the configuration');
        }
      }
      update();
    },
    accepted(node, version, timeoutMs) {
      const status = xds.status()[node];
      if (status?.ackedSnapshot === version) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = (err?: Error): void => {
          clearTimeout(timer);
          waiters.delete(watch);
          if (err) reject(err);
          else resolve();
        };
        const watch = (e: SnapshotEvent): void => {
          if (e.node !== node || e.version !== version) return;
          done(
            e.kind === 'ack'
              ? undefined
              : new PortcullisError(
                  'ENVOY_CONFIG_REJECTED',
                  `Envoy rejected the configuration: ${e.error}`,
                ),
          );
        };
        const timer = setTimeout(
          () =>
            done(
              new PortcullisError(
                'ENVOY_START_FAILED',
                `Envoy did not accept the configuration within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        waiters.add(watch);
      });
    },
    close() {
      off();
      waiters.clear();
    },
  };
}
