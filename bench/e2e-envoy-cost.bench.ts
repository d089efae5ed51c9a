// Where Envoy's extra CPU per request goes when Portcullis answers its Checks (issue 19: Envoy
// spends more per request behind Portcullis than behind the bare no-op Check server of `-- e2e`).
// Four systems in interleaved rounds, the same signed-in request on each, saturation only:
// - `minimal`: the e2e bench's Envoy (only Portcullis's ext_authz filter and authz cluster) asking
//   the bare node:http2 no-op Check server (bench/lib/noop-check-h2.ts);
// - `generated`: Envoy with the whole static bootstrap Portcullis generates for the same config
//   (listener, HTTP connection manager settings, routes, access log) asking the same no-op;
// - `generated, no access log`: that bootstrap without its access logs;
// - `portcullis`: `portcullis start` all-in-one (its Envoy, its Check server).
// generated − minimal is what the generated config costs Envoy, its access log included;
// portcullis − generated is what Portcullis's answers cost Envoy (identity headers, the signed
// assertion, header removals, decision metadata) plus Envoy's access line reaching Node by pipe
// (the static Envoys write theirs to /dev/null).
import { dirname } from 'node:path';
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../cli/index.js';
import { loadConfigFile } from '../config/index.js';
import { buildBootstrap, endpointsFromConfig } from '../envoy/index.js';
import { freePorts } from '../test/helpers/free-port.js';
import { type LoadTarget, runLoad } from './lib/h2load.js';
import { spawnNoopCheck } from './lib/noop-check-h2.js';
import { childPids, cpuMicros } from './lib/process-cpu.js';
import { startSignedInStack } from './lib/signed-in-stack.js';
import {
  authzProxyBootstrap,
  type StaticEnvoy,
  startStaticEnvoy,
  upstreamBootstrap,
} from './lib/static-envoy.js';
import type { BenchResult } from './run.js';

const SECONDS = 4;
const ROUNDS = 2;

const SYSTEMS = ['minimal', 'generated', 'generatedNoLog', 'portcullis'] as const;
type System = (typeof SYSTEMS)[number];
const LABEL: Record<System, string> = {
  minimal: 'ext_authz filter only + no-op Check',
  generated: 'generated config + no-op Check',
  generatedNoLog: 'generated config, no access log + no-op Check',
  portcullis: 'portcullis start',
};

/** Drops every `access_log` list from a bootstrap (a copy). */
function withoutAccessLogs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAccessLogs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'access_log')
      .map(([k, v]) => [k, withoutAccessLogs(v)]),
  );
}

const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

export default async function bench(): Promise<BenchResult> {
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) throw new Error(`Envoy is required: ${ENVOY_INSTALL_HINT}`);
  const [upPort, upAdmin, minPort, minAdmin, genPort, genAdmin, nlPort, nlAdmin] =
    await freePorts(8);
  const envoys: StaticEnvoy[] = [];
  const noop = await spawnNoopCheck();
  const rps: Record<System, number[]> = {
    minimal: [],
    generated: [],
    generatedNoLog: [],
    portcullis: [],
  };
  const cpu: Record<System, { envoy: number[]; node: number[] }> = {
    minimal: { envoy: [], node: [] },
    generated: { envoy: [], node: [] },
    generatedNoLog: { envoy: [], node: [] },
    portcullis: { envoy: [], node: [] },
  };
  let failed = 0;
  try {
    const start = async (boot: object, port: number) => {
      const e = await startStaticEnvoy(envoyBin, boot, port, 1);
      envoys.push(e);
      return e;
    };
    await start(upstreamBootstrap(upPort!, upAdmin!), upPort!);
    const minimal = await start(
      authzProxyBootstrap(minPort!, upPort!, minAdmin!, noop.port),
      minPort!,
    );
    const signedIn = await startSignedInStack(upPort!);
    const { stack, cookie } = signedIn;
    try {
      const loaded = await loadConfigFile(stack.configFile, { env: {} });
      const generatedBoot = (port: number, adminPort: number) => {
        const built = buildBootstrap(loaded.config, {
          ...endpointsFromConfig(loaded.config),
          authz: [{ host: '127.0.0.1', port: noop.port }],
          adminPort,
          listenAddress: `127.0.0.1:${port}`,
          baseDir: dirname(stack.configFile),
        });
        if (!built.ok) throw new Error(`bootstrap: ${JSON.stringify(built.issues)}`);
        return built.bootstrap as object;
      };
      const generated = await start(generatedBoot(genPort!, genAdmin!), genPort!);
      const noLog = await start(
        withoutAccessLogs(generatedBoot(nlPort!, nlAdmin!)) as object,
        nlPort!,
      );
      const node = signedIn.pid;
      // The same request on every system: Portcullis's route authority, its session cookie.
      const authority = `bench.localhost:${stack.envoyPort}`;
      const target = (port: number): LoadTarget => ({
        url: `http://127.0.0.1:${port}/`,
        authority,
        headers: { cookie },
      });
      const systems: Record<System, { target: LoadTarget; envoy: number; node: number }> = {
        minimal: { target: target(minPort!), envoy: minimal.pid, node: noop.pid },
        generated: { target: target(genPort!), envoy: generated.pid, node: noop.pid },
        generatedNoLog: { target: target(nlPort!), envoy: noLog.pid, node: noop.pid },
        portcullis: {
          target: target(stack.envoyPort),
          envoy: childPids(node)[0] ?? 0,
          node,
        },
      };
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of SYSTEMS) {
          const { target: t, envoy, node: n } = systems[s];
          const e0 = cpuMicros(envoy);
          const n0 = cpuMicros(n);
          const r = await runLoad(t, { clients: 32, seconds: SECONDS });
          const requests = r.rps * (SECONDS + 1); // the warm-up second at the measured rate
          rps[s].push(r.rps);
          cpu[s].envoy.push((cpuMicros(envoy) - e0) / requests);
          cpu[s].node.push((cpuMicros(n) - n0) / requests);
          failed += r.failed;
        }
      }
    } finally {
      await stack.close();
    }
  } finally {
    for (const e of envoys.reverse()) await e.stop();
    noop.child.kill();
  }
  const min = (xs: number[]) => Math.min(...xs);
  const figures: Record<string, number> = { failed_requests: failed };
  for (const s of SYSTEMS) {
    figures[`${s}_rps`] = Math.round(Math.max(...rps[s]));
    figures[`${s}_envoy_cpu_us_per_request`] = min(cpu[s].envoy);
    figures[`${s}_node_cpu_us_per_request`] = min(cpu[s].node);
  }
  const envoyUs = (s: System) => figures[`${s}_envoy_cpu_us_per_request`]!;
  figures.generated_config_envoy_us = envoyUs('generated') - envoyUs('minimal');
  figures.access_log_envoy_us = envoyUs('generated') - envoyUs('generatedNoLog');
  figures.portcullis_answers_envoy_us = envoyUs('portcullis') - envoyUs('generated');
  const rows = [
    ['system', 'req/s', 'Envoy µs/request', 'Check server µs/request'],
    ...SYSTEMS.map((s) => [
      LABEL[s],
      f(figures[`${s}_rps`]!),
      f(envoyUs(s)),
      f(figures[`${s}_node_cpu_us_per_request`]!),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows
    .map((row) =>
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
  return {
    figures,
    goals: { failed_requests: { max: 0 } },
    table: `${table}\nEnvoy µs per request: the generated config costs ${f(figures.generated_config_envoy_us, 1)} (its access log ${f(figures.access_log_envoy_us, 1)}); Portcullis's answers and the access line's pipe ${f(figures.portcullis_answers_envoy_us, 1)}\n(Envoy with 1 worker thread; h2load HTTP/1.1, 32 connections, ${SECONDS} s after 1 s warm-up, best of ${ROUNDS} interleaved rounds; the signed-in session cookie on every request)`,
  };
}
