// A tiny stand-in for the policy engine, used only until authz/policy lands: route `public`
// allows everyone; a route whose client certificate is invalid gets 495; anonymous users must
// log in (302 for browsers, 401 otherwise); users whose email is on example.com are allowed,
// others denied with one failing `domain` criterion.
import type { CompilePolicies } from '../../authz/lib/authz-state.js';
import type { CompiledPolicy, PolicyDecision, PolicyRequest } from '../../authz/policy/types.js';

function browser(r: PolicyRequest): boolean {
  const ct = r.headers['content-type'] ?? '';
  if (ct.startsWith('application/grpc')) return false;
  if (r.headers['x-pomerium-authorization'] || (r.headers.authorization ?? '').includes('Pomerium'))
    return false;
  const accept = r.headers.accept ?? '';
  return accept === '' || accept.includes('text/html') || accept.includes('*/*');
}

function decision(
  partial: Partial<PolicyDecision> & Pick<PolicyDecision, 'outcome' | 'status'>,
): PolicyDecision {
  return {
    reasons: [],
    allowReasons: [],
    denyReasons: [],
    allow: partial.outcome === 'allow',
    deny: false,
    failures: [],
    explanation: '',
    ...partial,
  };
}

export const standInCompile: CompilePolicies = (loaded) => {
  const out = new Map<string, CompiledPolicy>();
  for (const route of loaded.config.routes) {
    const mtls = Boolean(
      route.tls_downstream_client_ca ||
        route.tls_downstream_client_ca_file ||
        loaded.config.downstream_mtls?.ca,
    );
    out.set(route.id, {
      routeId: route.id,
      evaluate(request, identity) {
        if (mtls && !request.clientCertificate.valid) {
          const reason = request.clientCertificate.presented
            ? 'invalid-client-certificate'
            : 'client-certificate-required';
          return decision({
            outcome: 'deny',
            status: 495,
            reasons: [reason],
            denyReasons: [reason],
            deny: true,
            explanation: 'a valid client certificate is required',
          });
        }
        if (route.allow_public_unauthenticated_access)
          return decision({ outcome: 'allow', status: 200, reasons: ['accept'] });
        if (identity === null) {
          return decision({
            outcome: 'login',
            status: browser(request) ? 302 : 401,
            reasons: ['user-unauthenticated'],
          });
        }
        if (identity.email.endsWith('@example.com'))
          return decision({ outcome: 'allow', status: 200, reasons: ['domain-ok'] });
        return decision({
          outcome: 'deny',
          status: 403,
          reasons: ['domain-unauthorized'],
          allowReasons: ['domain-unauthorized'],
          failures: [
            {
              criterion: 'domain',
              wanted: 'email domain must be example.com',
              got: `your email is ${identity.email}`,
              reason: 'domain-unauthorized',
            },
          ],
          explanation: 'your email domain is not allowed on this route',
        });
      },
    });
  }
  return out;
};
