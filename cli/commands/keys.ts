// `portcullis keys generate`: prints a fresh shared_secret, cookie_secret (base64 of 32 random
// bytes each) and a P-256 signing_key PEM as YAML ready to paste into the config; with --tls
// the control plane's certificates (generate-tls-files.ts).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { stderr, stdout } from 'node:process';
import type { Command } from '../main.js';
import { generateTlsFiles } from './generate-tls-files.js';

const HELP = `Usage: portcullis keys generate [--tls [--out DIR] [--name HOST]... [--days N]]

Prints new secrets as YAML: shared_secret and cookie_secret (base64 of 32 random bytes) and a
P-256 signing_key (PEM). Keep the output secret.

With --tls, writes the control plane's certificates to DIR (default ./portcullis-tls) and prints
the config keys that use them: an internal CA (ca.pem, ca-key.pem: reused when DIR has them, so
running the command again rotates the other files, which a running Portcullis reloads), a
server certificate for grpc_address and authn's internal listener (server.pem, server-key.pem;
SANs: every --name, localhost, 127.0.0.1) and Envoy's client certificate (client.pem,
client-key.pem). Keep ca-key.pem off the servers once the certificates are made.

Options:
  --tls         write TLS certificates instead of printing secrets
  --out DIR     folder for the certificates (default ./portcullis-tls)
  --name HOST   a DNS name or IP the services are reached at (repeatable)
  --days N      validity of the server and client certificates (default 365)
  -h, --help    show this help
`;

/** The YAML block printed by `keys generate`. */
export function generateKeysYaml(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd();
  return [
    `shared_secret: ${randomBytes(32).toString('base64')}`,
    `cookie_secret: ${randomBytes(32).toString('base64')}`,
    'signing_key: |',
    ...pem.split('\n').map((l) => `  ${l}`),
    '',
  ].join('\n');
}

const command: Command = {
  summary: 'generate secrets and a signing key (keys generate)',
  async run(args) {
    if (args.includes('-h') || args.includes('--help')) {
      stdout.write(HELP);
      return 0;
    }
    if (args[0] !== 'generate' || (args.length > 1 && !args.includes('--tls'))) {
      stderr.write(`portcullis keys: expected 'generate' or 'generate --tls'\n\n${HELP}`);
      return 2;
    }
    if (args.length === 1) {
      stdout.write(generateKeysYaml());
      return 0;
    }
    let out = 'portcullis-tls';
    let days: number | undefined;
    const names: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const a = args[i]!;
      const v = args[i + 1];
      if (a === '--tls') continue;
      if ((a === '--out' || a === '--name' || a === '--days') && v !== undefined) {
        i++;
        if (a === '--out') out = v;
        else if (a === '--name') names.push(v);
        else if (/^\d+$/.test(v) && Number(v) > 0) days = Number(v);
        else {
          stderr.write('portcullis keys: --days needs a positive number\n');
          return 2;
        }
      } else {
        stderr.write(`portcullis keys: unknown option '${a}'\n\n${HELP}`);
        return 2;
      }
    }
    const r = generateTlsFiles({
      dir: resolve(out),
      names,
      configDir: process.cwd(),
      ...(days === undefined ? {} : { days }),
    });
    stderr.write(
      `${r.reusedCa ? 'reused the CA in' : 'made a new CA in'} ${out}; wrote server and client certificates\n`,
    );
    stdout.write(r.yaml);
    return 0;
  },
};
export default command;
