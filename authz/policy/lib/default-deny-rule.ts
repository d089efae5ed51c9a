// The mTLS default deny rule (docs/pomerium-behaviour.md §1.7): when any downstream client CA is
// configured and `downstream_mtls.enforcement` is not `policy`, routes get
// `deny: or: [invalid_client_certificate]` — but only where a CA applies (the route's own or the
// global one): elsewhere Pomerium's is_valid_client_certificate is true (§1.8, no CA to check
// against), so a route without a CA never demands a certificate because another route has one.
import type { Config, Route } from '../../../config/index.js';
import { compileInvalidClientCertificate } from '../criteria/client-certificate.js';
import { EMPTY_RULES, type RuleSet } from './rule-set.js';

/** Whether the config calls for the default deny rule. */
export function wantsDefaultDeny(config: Config): boolean {
  const mtls = config.downstream_mtls;
  if (mtls?.enforcement === 'policy') return false;
  const globalCa = (mtls?.ca ?? '') !== '' || (mtls?.ca_file ?? '') !== '';
  return globalCa || config.routes.some(routeHasCa);
}

const routeHasCa = (r: Route): boolean =>
  (r.tls_downstream_client_ca ?? '') !== '' || (r.tls_downstream_client_ca_file ?? '') !== '';

/** Whether this route gets the default deny rule: the config wants it and a CA applies here. */
export function routeWantsDefaultDeny(config: Config, route: Route): boolean {
  // O(1) per route (a CA that applies here already means the config wants the rule): the
  // config-wide scan of wantsDefaultDeny per route made compiling 10,000 routes quadratic.
  const mtls = config.downstream_mtls;
  if (mtls?.enforcement === 'policy') return false;
  return (mtls?.ca ?? '') !== '' || (mtls?.ca_file ?? '') !== '' || routeHasCa(route);
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
