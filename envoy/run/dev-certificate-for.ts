// The development certificate a config needs: none when it serves plain HTTP or names its own
// certificates, else a self-signed one for every route host and the authenticate host.
import type { Config } from '../../config/index.js';
import { routeHost } from '../build/build-route-config.js';
import { configuredCertificates } from '../build/build-tls-context.js';
import {
  generateSelfSignedCertificate,
  type SelfSignedCertificate,
} from './generate-self-signed-certificate.js';

/** A certificate to pass as `devCertificate`, or undefined when the config needs none. */
export function devCertificateFor(config: Config): SelfSignedCertificate | undefined {
  if (config.insecure_server || configuredCertificates(config, undefined).length > 0)
    return undefined;
  const hosts = config.routes.map((r) => routeHost(r.from));
  if (config.authenticate_service_url !== undefined) {
    hosts.push(new URL(config.authenticate_service_url).hostname);
  }
  return generateSelfSignedCertificate([...new Set(hosts.length > 0 ? hosts : ['localhost'])]);
}
