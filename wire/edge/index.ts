// The edge rules both services, forward-auth, config validation and the Envoy generator share
// (README "Edge rules").

export {
  checkCanonicalPath,
  ENVOY_PATH_NORMALISATION,
  type PathProblem,
} from './canonical-path.js';
export {
  type AuthorityProblem,
  checkAuthority,
  hostnameOf,
} from './check-authority.js';
export {
  isRequestDescribingHeader,
  OWN_HEADERS,
  REQUEST_DESCRIBING_HEADERS,
  REQUEST_DESCRIBING_PREFIXES,
} from './client-headers.js';
export { HTTP_TOKEN, headerNameProblem, headerValueProblem } from './header-rules.js';
export { SECURITY_RESPONSE_HEADERS } from './security-headers.js';
export { isMetadataOrLinkLocal } from './upstream-address.js';
