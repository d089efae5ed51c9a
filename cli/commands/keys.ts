// `portcullis keys generate`: prints a fresh shared_secret, cookie_secret (base64 of 32 random
// bytes each) and a P-256 signing_key PEM as YAML ready to paste into the config; with --tls
// the control plane's certificates (generate-tls-files.ts); --files, --dotenv, --k8s-secret
// write the secrets instead (keys-outputs.ts).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stderr, stdout } from 'node:process';
import type { Command } from '../main.js';
import { generateTlsFiles } from './generate-tls-files.js';
import {
  envFileText,
  generateSecrets,
  k8sSecretYaml,
  RefusedOverwrite,
  validK8sName,
  writeSecretFiles,
  writeSecretsDir,
} from './keys-outputs.js';

const HELP = `Usage: portcullis keys generate [--files DIR | --dotenv FILE | --k8s-secret NAME] [options]
       portcullis keys generate --tls [--out DIR] [--name HOST]... [--days N]

Prints new secrets as YAML: shared_secret and cookie_secret (base64 of 32 random bytes) and a
P-256 signing_key (PEM). Keep the output secret.

Instead of printing them:
  --files DIR         write one file per secret in DIR (shared_secret, cookie_secret,
                      signing_key; mode 0600) and print the *_file config keys that read them
  --dotenv FILE       write SHARED_SECRET=, COOKIE_SECRET=, SIGNING_KEY= (base64 of the PEM)
                      lines to FILE (mode 0600) for docker run --env-file or compose
                      env_file (named --dotenv: Node 20 takes --env-file for itself)
  --k8s-secret NAME   print a Kubernetes Secret manifest with those keys (the Helm chart's
                      secrets.existingSecret), or write it to --output FILE (mode 0600)
  --namespace NS      metadata.namespace of the Secret
  --output FILE       with --k8s-secret: write the manifest to FILE instead of stdout
  --idp-client-secret-file FILE
                      add idp_client_secret (the first line of FILE) to what is written
  --force             replace files that exist (refused otherwise)

With --tls, writes the control plane's certificates to DIR (default ./portcullis-tls) and prints
the config keys that use them: an internal CA (ca.pem, ca-key.pem: reused when DIR has them, so
running the command again rotates the other files, which a running Portcullis reloads), a
server certificate for grpc_address and authn's internal listener (server.pem, server-key.pem;
SANs: every --name, localhost, 127.0.0.1) and Envoy's client certificate (client.pem,
client-key.pem). Keep ca-key.pem off the servers once the certificates are made.

Options of --tls:
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

const VALUE_OPTIONS = new Set([
  '--files',
  '--dotenv',
  '--k8s-secret',
  '--namespace',
  '--output',
  '--idp-client-secret-file',
]);

/** `keys generate` without --tls: secrets to stdout, files, an env file or a Kubernetes Secret. */
function runSecrets(args: readonly string[]): number {
  const opts = new Map<string, string>();
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if (a === '--force') force = true;
    else if (VALUE_OPTIONS.has(a) && v !== undefined && !v.startsWith('--')) {
      opts.set(a, v);
      i++;
    } else {
      stderr.write(`portcullis keys: unknown option or missing value '${a}'\n\n${HELP}`);
      return 2;
    }
  }
  const outputs = ['--files', '--dotenv', '--k8s-secret'].filter((o) => opts.has(o));
  if (outputs.length > 1) {
    stderr.write(`portcullis keys: choose one of ${outputs.join(', ')}\n`);
    return 2;
  }
  if ((opts.has('--namespace') || opts.has('--output')) && !opts.has('--k8s-secret')) {
    stderr.write('portcullis keys: --namespace and --output go with --k8s-secret\n');
    return 2;
  }
  const name = opts.get('--k8s-secret');
  const ns = opts.get('--namespace');
  for (const n of [name, ns]) {
    if (n !== undefined && !validK8sName(n)) {
      stderr.write(`portcullis keys: '${n}' is not a valid Kubernetes name\n`);
      return 2;
    }
  }
  let idpSecret: string | undefined;
  const idpFile = opts.get('--idp-client-secret-file');
  if (idpFile !== undefined) {
    try {
      idpSecret = readFileSync(idpFile, 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (err) {
      stderr.write(`portcullis keys: cannot read ${idpFile}: ${(err as Error).message}\n`);
      return 1;
    }
    if (idpSecret === '') {
      stderr.write(`portcullis keys: ${idpFile} is empty\n`);
      return 1;
    }
  }
  const secrets = generateSecrets(idpSecret);
  try {
    const dir = opts.get('--files');
    const envFile = opts.get('--dotenv');
    if (dir !== undefined) {
      stdout.write(writeSecretsDir(dir, secrets, force));
      stderr.write(`wrote ${Object.keys(secrets).length} secret files (0600) in ${dir}\n`);
    } else if (envFile !== undefined) {
      writeSecretFiles(new Map([[resolve(envFile), envFileText(secrets)]]), force);
      stderr.write(`wrote ${envFile} (0600)\n`);
    } else if (name !== undefined) {
      const manifest = k8sSecretYaml(name, ns, secrets);
      const out = opts.get('--output');
      if (out === undefined) stdout.write(manifest);
      else {
        writeSecretFiles(new Map([[resolve(out), manifest]]), force);
        stderr.write(`wrote the Secret ${name} to ${out} (0600)\n`);
      }
    } else if (idpSecret !== undefined) {
      stderr.write(
        'portcullis keys: --idp-client-secret-file goes with --files, --dotenv or --k8s-secret\n',
      );
      return 2;
    } else if (force) {
      stderr.write('portcullis keys: --force goes with --files, --dotenv or --output\n');
      return 2;
    } else stdout.write(generateKeysYaml());
  } catch (err) {
    if (err instanceof RefusedOverwrite) {
      stderr.write(`portcullis keys: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  return 0;
}

const command: Command = {
  summary: 'generate secrets and a signing key (keys generate)',
  async run(args) {
    if (args.includes('-h') || args.includes('--help')) {
      stdout.write(HELP);
      return 0;
    }
    if (args[0] !== 'generate') {
      stderr.write(`portcullis keys: expected 'generate' or 'generate --tls'\n\n${HELP}`);
      return 2;
    }
    if (!args.includes('--tls')) return runSecrets(args.slice(1));
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
