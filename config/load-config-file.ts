// Reads a configuration file from disk (environment overrides from process.env by default).
import { readFile } from 'node:fs/promises';
import { PortcullisError } from '../errors/index.js';
import { type LoadedConfig, parseConfigText } from './parse-config-text.js';

export interface LoadOptions {
  /** Environment used for overrides; default `process.env`. Pass `{}` to ignore the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Drop keys nobody knows with a warning instead of refusing them (`--allow-unknown-keys`). */
  readonly allowUnknownKeys?: boolean;
}

export async function loadConfigFile(path: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PortcullisError('CONFIG_NOT_FOUND', `cannot read configuration file ${path}`, {
      cause: err,
    });
  }
  return parseConfigText(text, {
    file: path,
    env: opts.env ?? process.env,
    ...(opts.allowUnknownKeys === true ? { allowUnknownKeys: true } : {}),
  });
}
