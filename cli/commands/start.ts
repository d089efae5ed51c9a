// `portcullis start -c FILE`: runs the services the config names (all by default) and, when an
// envoy binary is found, a supervised Envoy fed over ADS; reloads the file when it changes;
// SIGHUP reloads it too; SIGINT/SIGTERM stop everything. `ready` is printed only once Envoy
// accepted its listeners and clusters. Logs are pino JSON lines (pretty on a TTY).
import { stderr, stdout } from 'node:process';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  formatConfigIssues,
  type LoadedConfig,
  loadConfigFile,
  resolveTracing,
  watchConfigFile,
} from '../../config/index.js';
import { errorCodeOf, PortcullisError } from '../../errors/index.js';
import { applyTracing, stopTracing } from '../../tracing/index.js';
import { createLogger } from '../lib/create-logger.js';
import { applyHeapGrowing } from '../lib/heap-growing.js';
import { markPhase } from '../lib/start-phases.js';
import { startPortcullis } from '../lib/start-portcullis.js';
import type { Command } from '../main.js';

const HELP = `Usage: portcullis start -c FILE [--databroker-schema NAME] [--log-format json|pretty]

Runs the services named by \`services:\` (all, authorize, authenticate, proxy; default all) and,
when the proxy service runs and an envoy binary is found (ENVOY_BIN, else PATH), a supervised
Envoy that gets its configuration from the built-in ADS server. The file is reloaded when it
changes and on SIGHUP (all services take the new config or none does: a refused edit is logged
with the service and position, the last good config keeps serving). \`ready\` is printed once
Envoy accepted its listeners and clusters; the start fails (exit 1) if Envoy rejects them, e.g.
when the listener port is taken. An unreachable Postgres databroker is retried (not ready
meanwhile). Ctrl-C (SIGINT) or SIGTERM stops everything, Envoy included.

Options:
  -c, --config FILE          configuration file (required)
  --databroker-schema NAME   PostgreSQL schema of the databroker tables (default: portcullis)
  --log-format FORMAT        json or pretty (default: pretty when stdout is a terminal)
  --no-watch                 do not reload the file when it changes
  --allow-unknown-keys       keys nobody knows are warnings instead of errors
  --authz-workers N          Check servers when authorize and Envoy run here: this process and
                             N-1 forked workers, each on its own port, Envoy balancing over all
                             (Postgres databroker only; default: the cores Envoy does not use)
  -h, --help                 show this help
`;

/** Resolves on the first SIGINT/SIGTERM; a second one while stopping exits at once (code 130). */
function stopSignal(abort: AbortController): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const on = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write('portcullis start: second signal, exiting without a clean stop\n');
        process.exit(130);
      }
      stopping = true;
      abort.abort();
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

const command: Command = {
  summary: 'run the services of a config (and Envoy) until Ctrl-C',
  async run(args) {
    markPhase('modules_loaded');
    let values: {
      config?: string;
      'databroker-schema'?: string;
      'log-format'?: string;
      'no-watch'?: boolean;
      'allow-unknown-keys'?: boolean;
      'authz-workers'?: string;
      help?: boolean;
    };
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          config: { type: 'string', short: 'c' },
          'databroker-schema': { type: 'string' },
          'log-format': { type: 'string' },
          'no-watch': { type: 'boolean' },
          'allow-unknown-keys': { type: 'boolean' },
          'authz-workers': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (err) {
      stderr.write(`portcullis start: ${(err as Error).message}\n\n${HELP}`);
      return 2;
    }
    if (values.help) {
      stdout.write(HELP);
      return 0;
    }
    const format = values['log-format'];
    if (!values.config || (format !== undefined && format !== 'json' && format !== 'pretty')) {
      stderr.write(
        `portcullis start: ${values.config ? '--log-format is json or pretty' : 'give -c FILE'}\n\n${HELP}`,
      );
      return 2;
    }
    const workersFlag = values['authz-workers'];
    const authzWorkers = workersFlag === undefined ? undefined : Number(workersFlag);
    if (
      authzWorkers !== undefined &&
      (!Number.isInteger(authzWorkers) || authzWorkers < 1 || authzWorkers > 256)
    ) {
      stderr.write(`portcullis start: --authz-workers is a whole number from 1 to 256\n\n${HELP}`);
      return 2;
    }
    const file = values.config;
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfigFile(file, {
        allowUnknownKeys: values['allow-unknown-keys'] === true,
      });
    } catch (err) {
      stderr.write(`portcullis start: ${describeError(err)}\n`);
      return 1;
    }
    markPhase('config_loaded');
    const logger = createLogger({
      level: loaded.config.log_level,
      ...(format === undefined ? {} : { pretty: format === 'pretty' }),
    });
    // Tracing (docs/tracing.md): the SDK is loaded only when otel_traces_exporter is otlp; a
    // reload the services accepted switches it on, off or to new settings.
    const followTracing = (config: LoadedConfig['config']): Promise<void> => {
      const tracing = resolveTracing(config);
      return applyTracing(tracing).then(
        (what) => {
          if (what === 'unchanged') return;
          if (what === 'off') logger.info('tracing off');
          else
            logger.info(
              { protocol: tracing?.protocol, url: tracing?.url },
              what === 'on' ? 'tracing on (OTLP)' : 'tracing settings changed (OTLP)',
            );
        },
        (err: unknown) =>
          logger.error({ code: 'INTERNAL', err }, 'tracing could not start; continuing without'),
      );
    };
    await followTracing(loaded.config);
    const abort = new AbortController();
    const stopped = stopSignal(abort);
    // SIGHUP reloads (docs in README "portcullis start"); one that comes while starting waits.
    let hangups = 0;
    let onHangup = (): void => {
      hangups++;
    };
    process.on('SIGHUP', () => onHangup());
    let running: Awaited<ReturnType<typeof startPortcullis>>;
    try {
      running = await startPortcullis({
        loaded,
        logger,
        signal: abort.signal,
        ...(values['databroker-schema'] ? { databrokerSchema: values['databroker-schema'] } : {}),
        ...(authzWorkers === undefined ? {} : { authzWorkers }),
        allowUnknownKeys: values['allow-unknown-keys'] === true,
      });
    } catch (err) {
      if (abort.signal.aborted) {
        logger.info('stopped before it was ready');
        logger.flush();
        return 0;
      }
      logger.fatal({ code: errorCodeOf(err) }, `cannot start: ${describeError(err)}`);
      logger.flush();
      return 1;
    }
    // Lifecycle lines (ready, stopping, stopped) are printed even with log_level warn or error:
    // scripts and supervisors wait for `ready`.
    const lifecycle = logger.isLevelEnabled('info') ? logger : logger.child({}, { level: 'info' });
    lifecycle.info({ file, services: loaded.config.services, listen: running.addresses }, 'ready');
    markPhase('ready');
    // After the start, so loading a large config is not slowed by more mark-compacts.
    const heap = applyHeapGrowing();
    if (heap.warning) logger.warn(heap.warning);
    logger.flush();
    let reloads = Promise.resolve();
    onHangup = () => {
      lifecycle.info({ signal: 'SIGHUP' }, 'reloading the config');
      reloads = reloads
        .then(() => loadConfigFile(file))
        .then(
          (next) =>
            running
              .reload(next)
              .then((refused) => (refused ? undefined : followTracing(next.config))),
          (err: unknown) =>
            logger.error(
              { code: errorCodeOf(err) },
              `config reload refused, the last good config keeps serving: ${describeError(err)}`,
            ),
        );
    };
    if (hangups > 0) onHangup();
    const watcher = values['no-watch']
      ? undefined
      : watchConfigFile(file, {
          allowUnknownKeys: values['allow-unknown-keys'] === true,
          onReload: (next) => {
            reloads = reloads.then(() =>
              running
                .reload(next)
                .then((refused) => (refused ? undefined : followTracing(next.config))),
            );
          },
          onError: (err) =>
            logger.error(
              { code: errorCodeOf(err) },
              `config reload refused, the last good config keeps serving: ${describeError(err)}`,
            ),
        });
    const signal = await stopped;
    lifecycle.info({ signal }, 'stopping');
    logger.flush();
    watcher?.close();
    await reloads.catch(() => undefined);
    await running.close();
    await stopTracing();
    lifecycle.info('stopped');
    logger.flush();
    return 0;
  },
};

function describeError(err: unknown): string {
  if (err instanceof ConfigError) return `\n${formatConfigIssues(err.issues)}`;
  if (err instanceof PortcullisError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export default command;
