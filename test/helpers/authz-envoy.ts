// A real Envoy (ENVOY_BIN) in front of an authz harness: the bootstrap built from the harness's
// config with the harness as the Check server and `authn` as the authenticate upstream, Envoy
// started on port 0 and the port of one of its listeners found.
import assert from 'node:assert/strict';
import { buildBootstrap, type EnvoyBuildOptions } from '../../envoy/index.js';
import type { AuthzHarness } from './authz-harness.js';
import { launchEnvoy, type RunningEnvoy } from './spawn-envoy.js';

export interface EnvoyInFront {
  readonly envoy: RunningEnvoy;
  /** The port of the listener asked for. */
  readonly port: number;
}

export async function envoyInFrontOf(
  authz: AuthzHarness,
  authn: { readonly port: number },
  opts: {
    /** Build options beyond the authz/authn endpoints and the admin port (TLS, base dir). */
    readonly build?: Partial<EnvoyBuildOptions>;
    /** Listener whose port is returned (default `http-ingress`). */
    readonly listener?: string;
  } = {},
): Promise<EnvoyInFront> {
  const result = buildBootstrap(authz.loaded.config, {
    authz: [{ host: '127.0.0.1', port: authz.port }],
    authn: { host: '127.0.0.1', port: authn.port },
    adminPort: 0,
    ...opts.build,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const envoy = await launchEnvoy(result.bootstrap);
  const listener = opts.listener ?? 'http-ingress';
  const port = (await envoy.ports())[listener];
  if (port === undefined) {
    await envoy.stop();
    throw new Error(`Envoy has no listener ${listener}`);
  }
  return { envoy, port };
}
