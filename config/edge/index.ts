// The edge rules both services and the Envoy generator share (README "Edge rules").

export {
  checkCanonicalPath,
  ENVOY_PATH_NORMALISATION,
  type PathProblem,
} from './canonical-path.js';
export {
  type AuthorityProblem,
  checkAuthority,
} from './check-authority.js';
export {
  isRequestDescribingHeader,
  OWN_HEADERS,
  REQUEST_DESCRIBING_HEADERS,
  REQUEST_DESCRIBING_PREFIXES,
} from './client-headers.js';
export { SECURITY_RESPONSE_HEADERS } from './security-headers.js';
