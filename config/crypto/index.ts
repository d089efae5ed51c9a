// Wire-level crypto shared by authn and authz, derived from the deployment's secrets:
// signed URLs, the session handle JWT, derived keys. (Owned by the authn engineer.)
export {};
