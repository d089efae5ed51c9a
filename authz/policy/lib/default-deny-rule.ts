// The mTLS default deny rule (reference §1.7): when any downstream client CA is configured and
// `downstream_mtls.enforcement` is not `policy`, every route gets
// `deny: or: [invalid_client_certificate]`.
import type { Config } from '../../../config/index.js';
import { compileInvalidClientCertificate } from '../criteria/client-certificate.js';
import { EMPTY_RULES, type RuleSet } from './rule-set.js';

/** Whether the config calls for the default deny rule. */
export function wantsDefaultDeny(config: Config): boolean {
  const mtls = config.downstream_mtls;
  if (mtls?.enforcement === 'policy') return false;
  const globalCa = (mtls?.ca ?? '') !== '' || (mtls?.ca_file ?? '') !== '';
  return (
    globalCa ||
    config.routes.some(
      (r) =>
        (r.tls_downstream_client_ca ?? '') !== '' || (r.tls_downstream_client_ca_file ?? '') !== '',
    )
  );
}

/** The default deny rule as a rule set (the same object for every route). */
export const DEFAULT_DENY_RULE: RuleSet = {
  allow: [],
  deny: [
    {
      op: 'or',
      criteria: [compileInvalidClientCertificate(true, undefined, { at: [], problem: () => {} })!],
    },
  ],
};

export { EMPTY_RULES };
