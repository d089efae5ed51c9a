// Split mode on one machine: two authorize replicas, one authenticate and one proxy (ADS server
// + supervised Envoy) process, all reading one config and sharing PostgreSQL. docker-compose.yml
// at the repo root runs the same processes (a test keeps the two in step).
import { loadConfigFile } from '../../config/index.js';
import { type PortcullisProcess, spawnPortcullis } from './spawn-portcullis.js';

/** The processes of split mode and the `services` each runs (docker-compose.yml mirrors them). */
export const SPLIT_MODE_PROCESSES = [
  { name: 'authorize-1', services: 'authorize' },
  { name: 'authorize-2', services: 'authorize' },
  { name: 'authenticate', services: 'authenticate' },
  { name: 'proxy', services: 'proxy' },
] as const;

export type SplitModeProcessName = (typeof SPLIT_MODE_PROCESSES)[number]['name'];

export interface SplitModeOptions {
  /** The shared config (e.g. examples/split-mode/config.yaml). */
  readonly configFile: string;
  /** PostgreSQL for the databroker (DATABROKER_STORAGE_CONNECTION_STRING). */
  readonly databaseUrl: string;
  readonly databrokerSchema?: string;
  /** Extra environment for every process (e.g. ENVOY_BIN for the proxy). */
  readonly env?: Readonly<Record<string, string>>;
  readonly onLine?: (name: string, line: string) => void;
}

export interface SplitMode {
  readonly processes: ReadonlyMap<SplitModeProcessName, PortcullisProcess>;
  /** Starts a stopped process again (same name, same environment). */
  restart(name: SplitModeProcessName): Promise<PortcullisProcess>;
  stop(): Promise<void>;
}

/** `host:port` of each authorize replica, from authorize_service_urls. */
async function replicaAddresses(configFile: string): Promise<string[]> {
  const { config } = await loadConfigFile(configFile, {
    env: { DATABROKER_STORAGE_CONNECTION_STRING: 'postgres://unused@127.0.0.1/unused' },
  });
  const urls = config.authorize_service_urls ?? [];
  if (urls.length < 2)
    throw new Error(`${configFile}: split mode wants two authorize_service_urls`);
  return urls.map((u) => new URL(u).host);
}

export async function startSplitMode(options: SplitModeOptions): Promise<SplitMode> {
  const replicas = await replicaAddresses(options.configFile);
  const envOf = (name: SplitModeProcessName, services: string): Record<string, string> => ({
    ...options.env,
    SERVICES: services,
    DATABROKER_STORAGE_CONNECTION_STRING: options.databaseUrl,
    ...(name === 'authorize-1' ? { GRPC_ADDRESS: replicas[0]! } : {}),
    ...(name === 'authorize-2' ? { GRPC_ADDRESS: replicas[1]! } : {}),
  });
  const spawnOne = (name: SplitModeProcessName, services: string) =>
    spawnPortcullis({
      name,
      configFile: options.configFile,
      env: envOf(name, services),
      ...(options.databrokerSchema ? { databrokerSchema: options.databrokerSchema } : {}),
      ...(options.onLine ? { onLine: options.onLine } : {}),
    });
  const processes = new Map<SplitModeProcessName, PortcullisProcess>();
  const stop = async () => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
  };
  try {
    // authenticate first: its migrations run once, then the replicas find the schema ready.
    const [first, ...rest] = SPLIT_MODE_PROCESSES.filter((p) => p.name !== 'proxy');
    processes.set(first!.name, await spawnOne(first!.name, first!.services));
    for (const p of await Promise.all(rest.map((r) => spawnOne(r.name, r.services)))) {
      processes.set(p.name as SplitModeProcessName, p);
    }
    processes.set('proxy', await spawnOne('proxy', 'proxy'));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    processes,
    async restart(name) {
      const spec = SPLIT_MODE_PROCESSES.find((p) => p.name === name)!;
      await processes.get(name)?.stop();
      const p = await spawnOne(spec.name, spec.services);
      processes.set(name, p);
      return p;
    },
    stop,
  };
}
