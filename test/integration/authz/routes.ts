// The route config shared by the authz integration tests (real YAML, compiled by the policy
// engine): `app` allows example.com users and passes identity headers, `public` allows everyone,
// `quiet` does not pass identity headers; MTLS_YAML's `mtls` needs a certificate from client-ca.pem.
export const ROUTES_YAML = `
jwt_claims_headers: [email, department, roles]
routes:
  - id: app
    from: https://app.example.com
    to: http://upstream.internal:8080
    allowed_domains: [example.com]
    pass_identity_headers: true
    load_balancing_policy: ring_hash
    depends_on: [b.example.com]
    set_request_headers:
      X-Upstream-Token: "$pomerium.access_token"
      X-Literal: "cost: $$5 for $HOME"
      X-Agent: "\${pomerium.request.headers[\\"user-agent\\"]}"
  - id: public
    from: https://public.example.com
    to: http://upstream.internal:8080
    allow_public_unauthenticated_access: true
    pass_identity_headers: true
  - id: quiet
    from: https://quiet.example.com
    to: http://upstream.internal:8080
    allowed_domains: [example.com]
`;

/** Separate config: a client CA anywhere puts a default deny on every route (docs/pomerium-behaviour.md §1.7). */
export const MTLS_YAML = `
routes:
  - id: mtls
    from: https://mtls.example.com
    to: http://upstream.internal:8080
    allowed_domains: [example.com]
    tls_downstream_client_ca_file: client-ca.pem
`;
