// The wire room: the Pomerium wire rules authn and authz share, each with one home — cookie
// parsing, token sources and their order, session validity, client classification, identity
// strings, route ids and the edge rules (canonical paths, authorities, headers no client may
// send, security headers). This file is its only door.
export {
  grpcKind,
  parseAccept,
  preferredOffer,
  qualityOf,
  type ResponseFormat,
  responseFormat,
  wantsLoginRedirect,
} from './classify-request.js';
export { computeRouteId, type RouteIdentity } from './compute-route-id.js';
export * from './crypto/index.js';
export { altNames, commonName, ipBytes, oid, pem, seq, tlv, utcTime } from './der.js';
export * from './edge/index.js';
export {
  extractIdentity,
  type Identity,
  type IdentityOptions,
} from './extract-identity.js';
export { canonicalEmail, emailDomain, storableString } from './identity-strings.js';
export {
  createIdpKeySet,
  IDP_JWT_ALGORITHMS,
  IDP_JWT_LEEWAY_S,
  type IdpKeySet,
  type IdpKeySetOptions,
  JWKS_COOLDOWN_MS,
} from './idp-key-set.js';
export { renderDenialPage as renderDenialCard } from './pages/render-denial.js';
export {
  escapeHtml,
  inlineMarkdown,
  renderCardPage,
  renderDocument,
  safeHref,
} from './pages/render-document.js';
export { renderRoutesPage } from './pages/render-routes.js';
export {
  ASSET_PREFIX,
  type BrandingInput,
  contrastRatio,
  FAVICON_PATH,
  FAVICON_SVG,
  parseHexColor,
  type Theme,
  themeOf,
} from './pages/theme.js';
export { type CookiePair, cookieValues, parseCookies, removeCookies } from './parse-cookies.js';
export {
  byLabel,
  escapeLabelValue,
  type Labels,
  type MetricType,
  metricFamily,
  sampleLine,
} from './prometheus-text.js';
export {
  hasPomeriumToken,
  idpBearerToken,
  OUR_AUTHORIZATION,
  ourAuthorization,
  queryTokens,
  readSessionTokens,
  sessionCookieValues,
  type TokenCandidate,
  type TokenSource,
} from './read-session-tokens.js';
export { type HandleIdentity, isSessionValid, usableSession } from './session-validity.js';
