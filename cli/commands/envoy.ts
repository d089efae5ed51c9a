// `portcullis envoy bootstrap -c FILE [--ads]`: prints an Envoy bootstrap (YAML). Static: the
// complete configuration, validated against Envoy's protos (exit 1 with every issue, each naming
// its route). --ads: the small bootstrap that takes everything from the ADS server. Both speak
// TLS to our services where they serve it (SAN check, client certificate).
import { dirname } from 'node:path';
import { stderr, stdout } from 'node:process';
import { stringify } from 'yaml';
import { grpcTransport, loadConfigFile } from '../../config/index.js';
import {
  buildAdsBootstrap,
  buildBootstrap,
  buildInternalUpstreamTls,
  devCertificateFor,
  type EnvoyBuildOptions,
  endpointsFromConfig,
  formatEnvoyIssues,
  type HostPort,
} from '../../envoy/index.js';
import { reportCommandError } from '../lib/report-command-error.js';
import type { Command } from '../main.js';
import { runAttach } from './envoy-attach.js';

const HELP = `Usage: portcullis envoy bootstrap -c FILE [options]
       portcullis envoy attach -c FILE --envoy YOUR_ENVOY_FILE [--pieces | --diff]

Prints an Envoy bootstrap (YAML) generated from the configuration: listeners, routes and clusters
(static), or with --ads the bootstrap that takes them from Portcullis' ADS server.

Options:
  -c, --config FILE     configuration file
  --ads                 print the ADS bootstrap (listeners, clusters and routes over xDS)
  --ads-address H:P     the ADS server (default: grpc_address)
  --authz H:P           an authz endpoint (repeatable; default from the config)
  --authn H:P           the authn endpoint (default: authenticate_internal_service_url)
  --admin-port PORT     Envoy admin port on 127.0.0.1 (default 9901)
  --node-id ID          Envoy node id (default portcullis)
  -h, --help            show this help

envoy attach merges Portcullis into an Envoy configuration you already run (see
portcullis envoy attach --help).

Exit codes: 0 printed, 1 invalid configuration, 2 usage error.
`;

interface Args {
  file: string;
  ads: boolean;
  adsAddress?: HostPort;
  authz: HostPort[];
  authn?: HostPort;
  adminPort?: number;
  nodeId?: string;
}

function hostPort(v: string | undefined): HostPort | undefined {
  const m = v === undefined ? null : /^(.+):(\d{1,5})$/.exec(v);
  return m === null ? undefined : { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function parseArgs(args: readonly string[]): Args | 'help' | { error: string } {
  const [sub, ...rest] = args;
  if (sub === '-h' || sub === '--help' || sub === undefined) return 'help';
  if (sub !== 'bootstrap')
    return { error: `unknown subcommand '${sub}' (use bootstrap or attach)` };
  const out: Partial<Args> & { authz: HostPort[] } = { ads: false, authz: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string | undefined => rest[++i];
    if (a === '-h' || a === '--help') return 'help';
    else if (a === '-c' || a === '--config') out.file = value();
    else if (a === '--ads') out.ads = true;
    else if (['--ads-address', '--authz', '--authn'].includes(a)) {
      const hp = hostPort(value());
      if (hp === undefined) return { error: `${a} needs HOST:PORT` };
      if (a === '--authz') out.authz.push(hp);
      else if (a === '--authn') out.authn = hp;
      else out.adsAddress = hp;
    } else if (a === '--admin-port') {
      const p = Number(value());
      if (!Number.isInteger(p) || p < 0 || p > 65535) return { error: '--admin-port needs a port' };
      out.adminPort = p;
    } else if (a === '--node-id') {
      const id = value();
      if (id === undefined || id === '') return { error: '--node-id needs a value' };
      out.nodeId = id;
    } else return { error: `unknown option '${a}'` };
  }
  if (out.file === undefined) return { error: 'give the configuration file with -c FILE' };
  return out as Args;
}

const command: Command = {
  summary:
    'print an Envoy bootstrap (envoy bootstrap) or merge Portcullis into yours (envoy attach)',
  async run(args) {
    if (args[0] === 'attach') {
      try {
        return await runAttach(args.slice(1));
      } catch (err) {
        return reportCommandError(err, 'envoy attach', { missingFile: true });
      }
    }
    const parsed = parseArgs(args);
    if (parsed === 'help') {
      stdout.write(HELP);
      return 0;
    }
    if ('error' in parsed) {
      stderr.write(`portcullis envoy: ${parsed.error}\n\n${HELP}`);
      return 2;
    }
    try {
      const loaded = await loadConfigFile(parsed.file);
      const config = loaded.config;
      const base = endpointsFromConfig(config);
      const adminPort = parsed.adminPort === undefined ? {} : { adminPort: parsed.adminPort };
      const nodeId = parsed.nodeId === undefined ? {} : { nodeId: parsed.nodeId };
      if (parsed.ads) {
        const ads = parsed.adsAddress ?? base.authz[0]!;
        // The ADS server speaks TLS like grpc_address does (config/grpc-transport.ts): Envoy
        // verifies it and presents grpc_client_certificate.
        const transport = grpcTransport(config);
        const tls =
          'tls' in transport
            ? transport.tls
            : true; /* refused as plain text: TLS is the only way it can run */
        const socket = tls
          ? {
              tls: buildInternalUpstreamTls(ads.host, config, { baseDir: dirname(parsed.file) }, [
                'h2',
              ]),
            }
          : {};
        stdout.write(stringify(buildAdsBootstrap({ ads, ...adminPort, ...nodeId, ...socket })));
        return 0;
      }
      const opts: EnvoyBuildOptions & { nodeId?: string } = {
        authz: parsed.authz.length > 0 ? parsed.authz : base.authz,
        authn: parsed.authn ?? base.authn,
        baseDir: dirname(parsed.file),
        ...adminPort,
        ...nodeId,
      };
      const devCertificate = devCertificateFor(config);
      if (devCertificate !== undefined) {
        stderr.write(
          'warning: no certificate configured; the bootstrap embeds a generated self-signed one (development only)\n',
        );
      }
      const result = buildBootstrap(
        config,
        devCertificate === undefined ? opts : { ...opts, devCertificate },
      );
      if (!result.ok) {
        for (const i of result.issues) {
          const pos = i.route === undefined ? undefined : loaded.locate(['routes', i.route.index]);
          const withPos =
            pos === undefined || i.route === undefined
              ? i
              : { ...i, route: { ...i.route, position: { file: loaded.file, ...pos } } };
          stderr.write(`${formatEnvoyIssues([withPos])}\n`);
        }
        stderr.write(`${result.issues.length} problem(s): no bootstrap written\n`);
        return 1;
      }
      for (const w of result.warnings) stderr.write(`warning: ${formatEnvoyIssues([w])}\n`);
      stdout.write(stringify(result.bootstrap, { lineWidth: 0, aliasDuplicateObjects: false }));
      return 0;
    } catch (err) {
      return reportCommandError(err, 'envoy');
    }
  },
};
export default command;
