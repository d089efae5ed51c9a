// The autocert unit (docs/acme.md): runs beside the proxy service, hands the proxy the
// certificate of every route host (a placeholder until the CA issued one), republishes Envoy's
// snapshot when one changes, and reports failures in health as a degraded note (the previous
// certificate keeps serving, so the process stays ready).
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { type Autocert, startAutocert } from '../../acme/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { RecordStore } from '../../databroker/index.js';
import type { ProcessHealth } from './process-health.js';
import type { ServiceUnit } from './service-unit.js';

export interface AutocertUnit extends ServiceUnit {
  readonly autocert: Autocert;
  metrics(): string;
}

export async function startAutocertService(opts: {
  readonly loaded: LoadedConfig;
  readonly store: RecordStore;
  readonly logger: Logger;
  readonly health: ProcessHealth;
  /** Publishes a new snapshot with the current certificates (set once the proxy runs). */
  readonly republish: () => void;
}): Promise<AutocertUnit> {
  const autocert = await startAutocert({
    config: opts.loaded.config,
    baseDir: dirname(resolve(opts.loaded.file)),
    store: opts.store,
    logger: opts.logger,
    onChange: opts.republish,
    onHealth: (problem) => opts.health.degrade('autocert', problem),
  });
  return {
    name: 'autocert',
    autocert,
    addresses: {},
    prepare: (loaded) => ({ commit: () => autocert.reload(loaded.config) }),
    metrics: () => autocert.metrics(),
    close: () => autocert.close(),
  };
}
