// All-in-one mode without shared_secret / signing_key: one random secret and one P-256 key per
// process, shared by every service in it, and said out loud. Reloads keep the same ones.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../../config/index.js';
import { generateSigningKeyPem, loadSigningKeys, type SigningKey } from '../../wire/index.js';

export interface ProcessSecrets {
  /** Set when the config has no shared_secret. */
  readonly sharedSecret?: string;
  /** Set when the config has no signing_key: every service of this process signs with these. */
  readonly signingKeys?: readonly SigningKey[];
  /** The PEM of signingKeys (handed to authz workers, authz-workers.ts). */
  readonly signingKeyPem?: string;
}

export function prepareSecrets(loaded: LoadedConfig, logger: Logger): ProcessSecrets {
  const c = loaded.config;
  let sharedSecret: string | undefined;
  if (c.shared_secret === undefined) {
    sharedSecret = randomBytes(32).toString('base64');
    // The config's own insecure_setting warning already says it is missing; this says what we did.
    logger.info(
      { code: 'generated_secret' },
      'shared_secret is not set: generated a random one for this process (sessions end when it stops)',
    );
  }
  let signingKeys: readonly SigningKey[] | undefined;
  let signingKeyPem: string | undefined;
  if (c.signing_key === undefined) {
    signingKeyPem = generateSigningKeyPem();
    signingKeys = loadSigningKeys(signingKeyPem);
    logger.info(
      { code: 'generated_signing_key', kid: signingKeys[0]!.kid },
      'signing_key is not set: generated a P-256 key shared by every service of this process (upstreams refetch the JWKS after a restart)',
    );
  }
  return {
    ...(sharedSecret === undefined ? {} : { sharedSecret }),
    ...(signingKeys === undefined ? {} : { signingKeys, signingKeyPem }),
  };
}

/** The config with the process's generated shared_secret filled in (when the file has none). */
export function withSecrets(loaded: LoadedConfig, secrets: ProcessSecrets): LoadedConfig {
  if (loaded.config.shared_secret !== undefined || secrets.sharedSecret === undefined) {
    return loaded;
  }
  const config = Object.freeze({ ...loaded.config, shared_secret: secrets.sharedSecret });
  return Object.freeze({ ...loaded, config });
}
