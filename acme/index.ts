// The acme room (autocert, docs/acme.md): this file is its only door.

export {
  type AcmeClient,
  type AcmeClientOptions,
  createAcmeClient,
  type Http01Responder,
  type IssuedPair,
} from './create-acme-client.js';
export { AcmeError } from './lib/acme-error.js';
export { autocertHosts, type RefusedHost, unsupportedHostReason } from './lib/autocert-hosts.js';
export { ORDER_LEASE } from './lib/databroker-autocert-store.js';
export { directoryOf, LETS_ENCRYPT, LETS_ENCRYPT_STAGING } from './lib/open-account.js';
export {
  type Autocert,
  type AutocertOptions,
  type ServedCertificate,
  startAutocert,
} from './start-autocert.js';
