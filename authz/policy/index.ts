// The policy engine's door: Pomerium Policy Language compiled once per route into closures.
export {
  type CompileDocumentOptions,
  compilePolicyDocument,
} from './compile-policy-document.js';
export { compileRoutePolicies, policyIssues } from './compile-route-policies.js';
export { REASONS, type Reason } from './lib/reasons.js';
export {
  flattenClaims,
  type PolicyInput,
  type PolicyInputProblem,
  parsePolicyInput,
} from './parse-policy-input.js';
export { ROUTE_NOT_FOUND } from './route-not-found.js';
export type * from './types.js';
export { wantsLoginRedirect } from './want-login-redirect.js';
