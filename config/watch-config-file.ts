// Hot reload: watches the config file; a valid new config is handed over whole (the consumer
// swaps one reference), an invalid one is reported and the last good config keeps serving.
import { readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { type LoadOptions, loadConfigFile } from './load-config-file.js';
import type { LoadedConfig } from './parse-config-text.js';

export interface WatchOptions extends LoadOptions {
  /** Called with each new valid config (not for the initial one). */
  onReload(loaded: LoadedConfig): void;
  /** Called when a changed file is invalid or unreadable; the previous config stays in force. */
  onError(err: unknown): void;
  /** Wait this long after the last change event before reloading (default 100 ms). */
  readonly debounceMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

export function watchConfigFile(path: string, opts: WatchOptions): ConfigWatcher {
  const full = resolve(path);
  const name = basename(full);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // Read now, synchronously: an edit made while an asynchronous first read was in flight would
  // have become the baseline and been swallowed (seen as a flaky reload under load).
  let lastText: string | undefined;
  try {
    lastText = readFileSync(full, 'utf8');
  } catch {
    lastText = undefined;
  }
  const reload = async (): Promise<void> => {
    try {
      const text = await readFile(full, 'utf8');
      if (text === lastText) return;
      lastText = text;
      const loaded = await loadConfigFile(full, {
        ...(opts.env === undefined ? {} : { env: opts.env }),
        ...(opts.allowUnknownKeys === true ? { allowUnknownKeys: true } : {}),
      });
      if (!closed) opts.onReload(loaded);
    } catch (err) {
      if (!closed) opts.onError(err);
    }
  };
  // Watch the directory: editors and Kubernetes replace the file rather than write into it (a
  // mounted ConfigMap swaps its `..data` link: config.yaml -> ..data/config.yaml never changes).
  const watcher = watch(dirname(full), (_event, file) => {
    if (closed || (file !== null && file !== name && file !== '..data')) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), opts.debounceMs ?? 100);
  });
  return {
    close(): void {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
