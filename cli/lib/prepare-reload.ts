// The two-phase reload: every service prepares its new state from the same parsed config; only
// when all succeeded do all commit. Otherwise nothing changes and one refusal names the service
// and where in the file the problem is. `portcullis validate` runs the same prepare phase.
import { ConfigError, formatConfigIssues, type LoadedConfig } from '../../config/index.js';
import { errorCodeOf } from '../../errors/index.js';
import type { PreparedUpdate } from './service-unit.js';

export interface Preparer {
  /** The service that prepares (named in a refusal). */
  readonly name: string;
  prepare(loaded: LoadedConfig): PreparedUpdate;
}

export interface Refusal {
  readonly service: string;
  readonly code: string;
  /** Positioned (`file:line:col: path: message`) where the problem has a place in the file. */
  readonly message: string;
  readonly cause: unknown;
}

export type PrepareResult =
  | { readonly ok: true; commit(): void }
  | { readonly ok: false; readonly refusal: Refusal };

/** Runs every preparer (stopping at the first refusal); commit() commits them all in order. */
export function prepareAll(loaded: LoadedConfig, preparers: readonly Preparer[]): PrepareResult {
  const prepared: PreparedUpdate[] = [];
  for (const p of preparers) {
    try {
      prepared.push(p.prepare(loaded));
    } catch (err) {
      return { ok: false, refusal: refusalOf(p.name, err, loaded) };
    }
  }
  return {
    ok: true,
    commit() {
      for (const p of prepared) p.commit();
    },
  };
}

const KEY_PATH = /^((?:[a-z_]+)(?:\[\d+\]|\.[a-z_]+)*)(?::| )/;

/** `routes[2].tls_client_ca_file` → ['routes', 2, 'tls_client_ca_file']. */
function parseKeyPath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/([a-z_]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  }
  return out;
}

/** Where a refusal's message points in the file: the longest key path prefix that is found. */
function positionOf(loaded: LoadedConfig, message: string): string | undefined {
  const m = KEY_PATH.exec(message);
  if (!m) return undefined;
  const path = parseKeyPath(m[1] as string);
  for (let n = path.length; n > 0; n--) {
    const at = path.slice(0, n);
    const last = at[at.length - 1];
    const pos = loaded.locate(at);
    if (pos !== undefined) return `${loaded.file}:${pos.line}:${pos.column}`;
    // `x_file: …` errors point at `x_file`; `x: …` errors may come from `x_file`.
    if (typeof last === 'string' && !last.endsWith('_file')) {
      const alt = loaded.locate([...at.slice(0, -1), `${last}_file`]);
      if (alt !== undefined) return `${loaded.file}:${alt.line}:${alt.column}`;
    }
  }
  return undefined;
}

export function refusalOf(service: string, err: unknown, loaded: LoadedConfig): Refusal {
  const code = errorCodeOf(err);
  let message: string;
  if (err instanceof ConfigError) message = formatConfigIssues(err.issues);
  else {
    const text = err instanceof Error ? err.message : String(err);
    const at = positionOf(loaded, text);
    message = at === undefined ? text : `${at}: ${text}`;
  }
  return { service, code, message, cause: err };
}

/** One line (or block) for logs and stderr: `refused by authorize: file:3:5: path: message`. */
export function describeRefusal(r: Refusal): string {
  return `refused by ${r.service}: ${r.message}`;
}
