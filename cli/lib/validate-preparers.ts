// `portcullis validate` runs exactly the prepare phase of a reload (prepare-reload.ts) for the
// services the config starts, with the same functions the running services use: what validate
// accepts, start accepts, and the other way round.
import { pino } from 'pino';
import { prepareAuthnConfig } from '../../authn/index.js';
import { prepareAuthzConfig } from '../../authz/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { createXdsServer, devCertificateFor, endpointsFromConfig } from '../../envoy/index.js';
import { planServices } from './plan-services.js';
import { type PrepareResult, prepareAll, refusalOf } from './prepare-reload.js';
import { prepareSecrets, withSecrets } from './prepare-secrets.js';
import { NOTHING_TO_COMMIT } from './service-unit.js';
import { prepareProxySnapshot } from './start-proxy-service.js';

export interface ValidatePrepareOptions {
  /**
   * The Envoy snapshot of this config was already built and checked by the same builder and
   * validator (envoy/validate/envoy-config-issues.ts, run by `portcullis validate` before this):
   * the proxy's prepare phase then skips building it a second time (half of the time of
   * validating a large config went into building and checking it twice).
   */
  readonly envoyChecked?: boolean;
}

/** Prepares every service the config runs (nothing is started or published). */
export function prepareForValidate(
  file: LoadedConfig,
  opts: ValidatePrepareOptions = {},
): PrepareResult {
  let plan: ReturnType<typeof planServices>;
  try {
    plan = planServices(file);
  } catch (err) {
    return { ok: false, refusal: refusalOf('start', err, file) };
  }
  const silent = pino({ level: 'silent' });
  // The secrets an all-in-one start would generate (the config's own when it has them).
  const loaded = withSecrets(file, prepareSecrets(file, silent));
  return prepareAll(loaded, [
    ...(plan.authenticate
      ? [
          {
            name: 'authenticate',
            prepare: (l: LoadedConfig) => {
              prepareAuthnConfig(l.config);
              return NOTHING_TO_COMMIT;
            },
          },
        ]
      : []),
    ...(plan.authorize
      ? [
          {
            name: 'authorize',
            prepare: (l: LoadedConfig) => {
              prepareAuthzConfig(l);
              return NOTHING_TO_COMMIT;
            },
          },
        ]
      : []),
    ...(plan.proxy
      ? [
          {
            name: 'proxy',
            prepare: (l: LoadedConfig) => {
              if (opts.envoyChecked === true) return NOTHING_TO_COMMIT;
              const xds = createXdsServer({ logger: silent });
              prepareProxySnapshot(
                xds,
                l,
                endpointsFromConfig(l.config),
                devCertificateFor(l.config),
              );
              return NOTHING_TO_COMMIT;
            },
          },
        ]
      : []),
  ]);
}
