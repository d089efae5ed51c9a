// `portcullis keys generate`: prints a fresh shared_secret, cookie_secret (base64 of 32 random
// bytes each) and a P-256 signing_key PEM as YAML ready to paste into the config.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { stderr, stdout } from 'node:process';
import type { Command } from '../main.js';

const HELP = `Usage: portcullis keys generate

Prints new secrets as YAML: shared_secret and cookie_secret (base64 of 32 random bytes) and a
P-256 signing_key (PEM). Keep the output secret.

Options:
  -h, --help   show this help
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
    if (args.length !== 1 || args[0] !== 'generate') {
      stderr.write(`portcullis keys: expected 'generate'\n\n${HELP}`);
      return 2;
    }
    stdout.write(generateKeysYaml());
    return 0;
  },
};
export default command;
