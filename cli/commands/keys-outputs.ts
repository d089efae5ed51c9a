// Where `portcullis keys generate` puts fresh secrets besides stdout: one file per secret for the
// `*_file` keys, an environment file (KEY=value lines, docker --env-file / compose env_file), or
// a Kubernetes Secret manifest (the keys the Helm chart mounts: deploy/helm/portcullis). Files are
// created 0600 and never overwritten unless `force` (then replaced, not written through a link).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The secrets `keys generate` makes (idp_client_secret only when the caller supplies one). */
export interface GeneratedSecrets {
  readonly shared_secret: string;
  readonly cookie_secret: string;
  /** PKCS#8 PEM of a P-256 key, with a final newline. */
  readonly signing_key: string;
  readonly idp_client_secret?: string;
}

export function generateSecrets(idpClientSecret?: string): GeneratedSecrets {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    shared_secret: randomBytes(32).toString('base64'),
    cookie_secret: randomBytes(32).toString('base64'),
    signing_key: pem.endsWith('\n') ? pem : `${pem}\n`,
    ...(idpClientSecret === undefined ? {} : { idp_client_secret: idpClientSecret }),
  };
}

/** A file `keys generate` will not replace without --force. */
export class RefusedOverwrite extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`refusing to overwrite ${path} (use --force to replace it)`);
    this.path = path;
  }
}

const exists = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/**
 * Writes every file (path → content) mode 0600, or none: all paths are checked before the first
 * is written. With `force` an existing file or link is removed first, so the new file is created
 * fresh (O_EXCL) and a symlink is never followed.
 */
export function writeSecretFiles(files: ReadonlyMap<string, string>, force: boolean): void {
  if (!force) {
    for (const path of files.keys()) if (exists(path)) throw new RefusedOverwrite(path);
  }
  for (const [path, content] of files) {
    if (force && exists(path)) unlinkSync(path);
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600); // the umask cannot widen or narrow it
  }
}

/** `--files DIR`: one file per secret; returns the config keys that read them. */
export function writeSecretsDir(dir: string, secrets: GeneratedSecrets, force: boolean): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) mkdirSync(abs, { recursive: true, mode: 0o700 });
  const files = new Map<string, string>();
  const yaml: string[] = [];
  for (const [key, value] of Object.entries(secrets) as [string, string][]) {
    const path = join(abs, key);
    files.set(path, key === 'signing_key' ? value : `${value}\n`);
    yaml.push(`${key}_file: ${path}`);
  }
  writeSecretFiles(files, force);
  return `${yaml.join('\n')}\n`;
}

/**
 * `--dotenv FILE`: KEY=value lines (the upper-cased config keys every service reads from its
 * environment). signing_key is the base64 of its PEM (one line; the config accepts both forms).
 */
export function envFileText(secrets: GeneratedSecrets): string {
  const lines = ['# portcullis keys generate: keep this file secret (mode 0600).'];
  for (const [key, value] of Object.entries(secrets) as [string, string][]) {
    const v = key === 'signing_key' ? Buffer.from(value).toString('base64') : value;
    lines.push(`${key.toUpperCase()}=${v}`);
  }
  return `${lines.join('\n')}\n`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Whether `name` is a valid Kubernetes object name (RFC 1123 subdomain). */
export function validK8sName(name: string): boolean {
  return name.length <= 253 && DNS_LABEL.test(name);
}

/**
 * `--k8s-secret NAME`: a v1 Secret manifest (YAML) whose keys are the config keys, as the Helm
 * chart mounts them (shared_secret_file: /etc/portcullis/secrets/shared_secret, …). Values go in
 * `data` (base64), so the manifest holds no multi-line string to mangle.
 */
export function k8sSecretYaml(
  name: string,
  namespace: string | undefined,
  secrets: GeneratedSecrets,
): string {
  const lines = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    '  labels:',
    '    app.kubernetes.io/name: portcullis',
    'type: Opaque',
    'data:',
  ];
  for (const [key, value] of Object.entries(secrets) as [string, string][]) {
    lines.push(`  ${key}: ${Buffer.from(value).toString('base64')}`);
  }
  return `${lines.join('\n')}\n`;
}
