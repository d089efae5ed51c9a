// `portcullis envoy attach -c FILE --envoy THEIRS [--pieces | --diff]`: prints the user's own
// Envoy configuration with Portcullis merged in (README "Beside an existing Envoy"), the pieces to
// merge by hand, or the diff to their file. Exit 1 when it cannot merge (RDS, a name clash).
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stderr, stdout } from 'node:process';
import { parse, stringify } from 'yaml';
import { loadConfigFile } from '../../config/index.js';
import {
  attachToEnvoy,
  endpointsFromConfig,
  formatEnvoyIssues,
  type HostPort,
} from '../../envoy/index.js';
import { lineDiff } from '../lib/line-diff.js';

export const ATTACH_HELP = `Usage: portcullis envoy attach -c FILE --envoy ENVOY_FILE [options]

Adds Portcullis to an Envoy configuration you already run and prints the result (YAML): the
ext_authz filter first in each HTTP connection manager, Portcullis' virtual hosts (the protected
hosts and the authenticate host) ahead of yours, ext_authz disabled explicitly on every route of
yours, and Portcullis' clusters after yours. Your listeners, TLS and other filters are untouched.

Options:
  -c, --config FILE       Portcullis configuration
  --envoy FILE            your Envoy bootstrap (YAML or JSON, static_resources)
  --listener NAME         attach to this listener only (repeatable; default: every HTTP listener)
  --pieces                print the pieces to merge by hand instead (for RDS or another control plane)
  --diff                  print the changes to your file instead of the whole result
  --authz H:P             an authz endpoint (repeatable; default from the config)
  --authn H:P             the authn endpoint (default: authenticate_internal_service_url)
  -h, --help              show this help

Exit codes: 0 printed, 1 cannot attach or invalid configuration, 2 usage error.
`;

const yaml = (v: unknown): string => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });

function hostPort(v: string | undefined): HostPort | undefined {
  const m = v === undefined ? null : /^(.+):(\d{1,5})$/.exec(v);
  return m === null ? undefined : { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

interface AttachArgs {
  file?: string;
  envoy?: string;
  listeners: string[];
  mode: 'merged' | 'pieces' | 'diff';
  authz: HostPort[];
  authn?: HostPort;
}

function parseAttachArgs(args: readonly string[]): AttachArgs | 'help' | { error: string } {
  const out: AttachArgs = { listeners: [], mode: 'merged', authz: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string | undefined => args[++i];
    if (a === '-h' || a === '--help') return 'help';
    if (a === '-c' || a === '--config') out.file = value();
    else if (a === '--envoy') out.envoy = value();
    else if (a === '--listener') {
      const l = value();
      if (l === undefined) return { error: '--listener needs a name' };
      out.listeners.push(l);
    } else if (a === '--pieces') out.mode = 'pieces';
    else if (a === '--diff') out.mode = 'diff';
    else if (a === '--authz' || a === '--authn') {
      const hp = hostPort(value());
      if (hp === undefined) return { error: `${a} needs HOST:PORT` };
      if (a === '--authz') out.authz.push(hp);
      else out.authn = hp;
    } else return { error: `unknown option '${a}'` };
  }
  if (out.file === undefined) return { error: 'give the configuration file with -c FILE' };
  if (out.envoy === undefined) return { error: 'give your Envoy configuration with --envoy FILE' };
  return out;
}

/** Runs `envoy attach`; ConfigError and PortcullisError are left to the caller. */
export async function runAttach(args: readonly string[]): Promise<number> {
  const parsed = parseAttachArgs(args);
  if (parsed === 'help') {
    stdout.write(ATTACH_HELP);
    return 0;
  }
  if ('error' in parsed) {
    stderr.write(`portcullis envoy attach: ${parsed.error}\n\n${ATTACH_HELP}`);
    return 2;
  }
  const { config } = await loadConfigFile(parsed.file!);
  const theirText = await readFile(parsed.envoy!, 'utf8');
  const theirs = parse(theirText) as Record<string, unknown>;
  const base = endpointsFromConfig(config);
  const result = attachToEnvoy(
    config,
    {
      authz: parsed.authz.length > 0 ? parsed.authz : base.authz,
      authn: parsed.authn ?? base.authn,
      baseDir: dirname(parsed.file!),
    },
    theirs,
    parsed.listeners.length > 0 ? parsed.listeners : undefined,
  );
  if (parsed.mode === 'pieces' && result.pieces !== undefined) {
    stdout.write(yaml(result.pieces));
    return 0;
  }
  if (!result.ok) {
    stderr.write(`${formatEnvoyIssues(result.issues)}\n`);
    stderr.write(`${result.issues.length} problem(s): nothing merged (see --pieces)\n`);
    return 1;
  }
  for (const w of result.warnings) stderr.write(`warning: ${formatEnvoyIssues([w])}\n`);
  if (parsed.mode === 'diff') {
    const diff = lineDiff(yaml(theirs), yaml(result.merged));
    stdout.write(`${diff.text}\n`);
    stderr.write(
      `${diff.stats.added} line(s) added, ${diff.stats.removed} removed; ext_authz disabled on ${result.disabledRoutes.length} route(s) of yours\n`,
    );
    return 0;
  }
  stdout.write(yaml(result.merged));
  return 0;
}
