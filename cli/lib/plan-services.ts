// Which services this process runs and whether they may share what only one process can share
// (the in-memory databroker, a generated signing key): split deployments need Postgres and keys.
import { type LoadedConfig, runsService } from '../../config/index.js';
import { PortcullisError } from '../../errors/index.js';

export interface ServicePlan {
  readonly authorize: boolean;
  readonly authenticate: boolean;
  readonly proxy: boolean;
  /** authorize and authenticate both run here (they may share memory and generated keys). */
  readonly sharedProcess: boolean;
}

export function planServices(loaded: LoadedConfig): ServicePlan {
  const c = loaded.config;
  const plan: ServicePlan = {
    authorize: runsService(c, 'authorize'),
    authenticate: runsService(c, 'authenticate'),
    proxy: runsService(c, 'proxy'),
    sharedProcess: runsService(c, 'authorize') && runsService(c, 'authenticate'),
  };
  const needsStore = plan.authorize || plan.authenticate;
  if (!needsStore && !plan.proxy) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      `services: "${c.services}" runs nothing here (use all, authorize, authenticate or proxy)`,
    );
  }
  if (needsStore && !plan.sharedProcess && c.databroker_storage_type !== 'postgres') {
    throw new PortcullisError(
      'CONFIG_INVALID',
      `services: "${c.services}" runs authorize and authenticate in different processes: set databroker_storage_type: postgres so they share sessions`,
    );
  }
  if (needsStore && !plan.sharedProcess && c.signing_key === undefined) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      `services: "${c.services}" needs signing_key (every replica must sign and publish the same keys; run \`portcullis keys generate\`)`,
    );
  }
  if (plan.authenticate && !plan.sharedProcess && !c.authenticate_internal_service_url) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      'authenticate_internal_service_url is required when authenticate runs on its own (it is the address authn listens on and Envoy sends /.pomerium/* to)',
    );
  }
  return plan;
}
