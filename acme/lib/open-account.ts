// The ACME account autocert orders with (RFC 8555 §7.3): one per directory and e-mail, its key
// and URL kept in the autocert store (key sealed) so every replica uses the same account;
// registered on first use (with external account binding when both EAB keys are set). The
// directory is autocert_ca, else Let's Encrypt (staging with autocert_use_staging); the CA's
// HTTPS is verified with autocert_trusted_ca(_file) when set, else the system roots.
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import {
  type AcmeClient,
  type AcmeClientOptions,
  createAcmeClient,
} from '../create-acme-client.js';
import type { AutocertStore } from './autocert-store.js';

export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

export function directoryOf(c: Config): string {
  return c.autocert_ca ?? (c.autocert_use_staging ? LETS_ENCRYPT_STAGING : LETS_ENCRYPT);
}

function trustedCa(c: Config, baseDir: string): string | undefined {
  if (c.autocert_trusted_ca !== undefined) {
    return Buffer.from(c.autocert_trusted_ca, 'base64').toString('utf8');
  }
  if (c.autocert_trusted_ca_file !== undefined) {
    return readFileSync(resolve(baseDir, c.autocert_trusted_ca_file), 'utf8');
  }
  return undefined;
}

export async function openAccount(
  config: Config,
  o: {
    readonly baseDir: string;
    readonly store: AutocertStore;
    /** Ignore the stored account and register a new one. */
    readonly fresh: boolean;
    readonly now: () => number;
    readonly log: Logger;
    readonly client?: Pick<AcmeClientOptions, 'maxPollMs' | 'orderDeadlineMs' | 'request'>;
  },
): Promise<AcmeClient> {
  const directoryUrl = directoryOf(config);
  const ca = trustedCa(config, o.baseDir);
  const id = createHash('sha256')
    .update(`${directoryUrl}\n${config.autocert_email ?? ''}`)
    .digest('hex')
    .slice(0, 32);
  const eab =
    config.autocert_eab_key_id !== undefined && config.autocert_eab_mac_key !== undefined
      ? { keyId: config.autocert_eab_key_id, macKey: config.autocert_eab_mac_key }
      : undefined;
  const known = o.fresh ? null : await o.store.getAccount(id);
  const key = known
    ? createPrivateKey(known.key)
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const acme = createAcmeClient({
    ...o.client,
    directoryUrl,
    accountKey: key,
    ...(known ? { accountUrl: known.url } : {}),
    ...(config.autocert_email ? { email: config.autocert_email } : {}),
    ...(eab ? { eab } : {}),
    ...(ca ? { ca } : {}),
    now: o.now,
  });
  if (!known) {
    const url = await acme.account();
    await o.store.putAccount(id, directoryUrl, {
      url,
      key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    o.log.info({ account: url, directory: directoryUrl }, 'ACME account registered');
  }
  return acme;
}
