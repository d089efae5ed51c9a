/**
 * The rooms of dist/ the production image ships (docs/architecture.md "Repository layout"):
 * everything `portcullis` runs; tests, bench, examples and scripts stay out.
 */
export const RUNTIME_ROOMS = [
  'authn',
  'authz',
  'cli',
  'config',
  'databroker',
  'envoy',
  'forward-auth',
  'mcp',
  'protos',
  'wire',
  'tracing',
] as const;
