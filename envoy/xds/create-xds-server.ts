// The ADS (xDS) server: a gRPC AggregatedDiscoveryService over a snapshot cache. setSnapshot
// builds, checks and encodes a config's snapshot and publishes it only when it is valid; the
// previous one keeps serving otherwise. Envoy's NACKs are logged and reported (status, onNack).
import * as grpc from '@grpc/grpc-js';
import { type Logger, pino } from 'pino';
import { type Config, isLoopbackHost, type LoadedConfig } from '../../config/index.js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';
import { buildSnapshot } from '../build/build-snapshot.js';
import type { EnvoyBuildOptions, EnvoyIssue } from '../types.js';
import { validateSnapshot } from '../validate/validate-snapshot.js';
import { isLoopbackPeer } from './check-peer.js';
import {
  type DiscoveryRequest,
  type DiscoveryResponse,
  serveAdsStream,
  type XdsCallbacks,
} from './serve-ads-stream.js';
import { createSnapshotCache, type SnapshotCache } from './snapshot-cache.js';

export interface XdsNodeStatus {
  /** Version last published for the node (or '*'). */
  readonly published?: string;
  /** Last version Envoy rejected, with its error. */
  readonly lastNack?: {
    readonly typeUrl: string;
    readonly version: string;
    readonly error: string;
  };
  /** Type URL → last version this node ACKed. */
  readonly acked: Readonly<Record<string, string>>;
  /** Last snapshot version this node ACKed for every type. */
  readonly ackedSnapshot?: string;
  /** Last snapshot version this node rejected (NACK of any type). */
  readonly rejectedSnapshot?: string;
}

/** What happened to a published snapshot on one node (for readiness and health). */
export type SnapshotEvent =
  | { readonly node: string; readonly kind: 'ack'; readonly version: string }
  | {
      readonly node: string;
      readonly kind: 'nack';
      readonly version: string;
      readonly error: string;
    };

/** A snapshot built and checked, not yet published (two-phase reload: commit() publishes). */
export interface PreparedSnapshot {
  readonly version: string;
  commit(): void;
}

export interface XdsServer {
  addTo(server: grpc.Server): void;
  listen(port: number, host?: string): Promise<number>;
  setSnapshot(
    nodeId: string,
    config: Config | LoadedConfig,
    opts: EnvoyBuildOptions,
  ): { ok: true; version: string } | { ok: false; issues: readonly EnvoyIssue[] };
  /** Builds and checks a snapshot without publishing it; commit() publishes. */
  prepareSnapshot(
    nodeId: string,
    config: Config | LoadedConfig,
    opts: EnvoyBuildOptions,
  ): ({ ok: true } & PreparedSnapshot) | { ok: false; issues: readonly EnvoyIssue[] };
  /** Calls `fn` whenever a node ACKs or NACKs a whole snapshot; returns the unsubscribe. */
  onSnapshot(fn: (event: SnapshotEvent) => void): () => void;
  /** What each node was sent, ACKed and NACKed. */
  status(): Readonly<Record<string, XdsNodeStatus>>;
  close(): Promise<void>;
}

export interface XdsServerOptions {
  readonly logger?: Logger;
  readonly callbacks?: XdsCallbacks;
  /**
   * Which peers may open an ADS stream (grpc-js peer strings such as `10.0.0.7:41234`). Default:
   * loopback only — snapshots carry private keys.
   */
  readonly allowPeer?: (peer: string) => boolean;
}

interface ServiceCtor {
  service: grpc.ServiceDefinition;
}

function adsService(): grpc.ServiceDefinition {
  const root = loadGrpcObject([serviceProtoFiles.ads]) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: ServiceCtor } } } };
  };
  return root.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
}

function withPositions(loaded: LoadedConfig, issues: readonly EnvoyIssue[]): EnvoyIssue[] {
  return issues.map((i) => {
    if (i.route === undefined) return i;
    const pos = loaded.locate(['routes', i.route.index]);
    return pos === undefined
      ? i
      : { ...i, route: { ...i.route, position: { file: loaded.file, ...pos } } };
  });
}

export function createXdsServer(opts: XdsServerOptions = {}): XdsServer {
  const logger = opts.logger ?? pino({ level: 'info' });
  const inner = createSnapshotCache();
  const status = new Map<
    string,
    {
      published?: string;
      lastNack?: XdsNodeStatus['lastNack'];
      acked: Record<string, string>;
      ackedSnapshot?: string;
      rejectedSnapshot?: string;
    }
  >();
  const listeners = new Set<(event: SnapshotEvent) => void>();
  const emit = (event: SnapshotEvent): void => {
    for (const l of listeners) l(event);
  };
  // The stream server reports whole-snapshot ACKs and NACKs to the cache: seen here first.
  const cache: SnapshotCache = {
    ...inner,
    acked(node, version) {
      inner.acked(node, version);
      entry(node).ackedSnapshot = version;
      emit({ node, kind: 'ack', version });
    },
    rejected(node, version) {
      inner.rejected(node, version);
      entry(node).rejectedSnapshot = version;
      emit({ node, kind: 'nack', version, error: entry(node).lastNack?.error ?? 'rejected' });
    },
  };
  const entry = (node: string) => {
    let s = status.get(node);
    if (s === undefined) {
      s = { acked: {} };
      status.set(node, s);
    }
    return s;
  };
  const callbacks: XdsCallbacks = {
    ...opts.callbacks,
    onAck(node, typeUrl, version) {
      entry(node).acked[typeUrl] = version;
      opts.callbacks?.onAck?.(node, typeUrl, version);
    },
    onNack(node, typeUrl, version, error) {
      entry(node).lastNack = { typeUrl, version, error };
      opts.callbacks?.onNack?.(node, typeUrl, version, error);
    },
  };
  const servers: grpc.Server[] = [];
  const allowPeer = opts.allowPeer ?? isLoopbackPeer;
  const stream: grpc.handleBidiStreamingCall<DiscoveryRequest, DiscoveryResponse> = (call) => {
    const peer = call.getPeer();
    if (!allowPeer(peer)) {
      logger.warn({ peer }, 'ADS stream refused: peer not allowed');
      call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: 'peer not allowed' });
      return;
    }
    serveAdsStream(call, cache, logger, callbacks);
  };
  const delta: grpc.handleBidiStreamingCall<unknown, unknown> = (call) => {
    call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'use state-of-the-world ADS' });
  };
  const implementation: grpc.UntypedServiceImplementation = {
    StreamAggregatedResources: stream,
    DeltaAggregatedResources: delta,
  };
  const self: XdsServer = {
    addTo(server) {
      server.addService(adsService(), implementation);
    },
    async listen(port, host = '127.0.0.1') {
      // A plain-text server of its own (tests): loopback only (config/grpc-transport.ts);
      // `portcullis start` binds ADS with TLS and caller authentication instead.
      if (!isLoopbackHost(host)) {
        throw new TypeError(`xds listen(): plain-text gRPC only on loopback, not ${host}`);
      }
      const server = new grpc.Server();
      self.addTo(server);
      servers.push(server);
      return new Promise((resolve, reject) => {
        server.bindAsync(
          `${host}:${port}`,
          grpc.ServerCredentials.createInsecure(),
          (err, bound) => (err ? reject(err) : resolve(bound)),
        );
      });
    },
    setSnapshot(nodeId, config, buildOpts) {
      const prepared = self.prepareSnapshot(nodeId, config, buildOpts);
      if (!prepared.ok) return prepared;
      prepared.commit();
      return { ok: true, version: prepared.version };
    },
    prepareSnapshot(nodeId, config, buildOpts) {
      const loaded = 'locate' in config ? config : undefined;
      const cfg = loaded?.config ?? (config as Config);
      const snapshot = buildSnapshot(cfg, buildOpts);
      const result = validateSnapshot(snapshot);
      if (!result.ok) {
        const issues = loaded === undefined ? result.issues : withPositions(loaded, result.issues);
        logger.error(
          { node: nodeId, code: issues[0]?.code, issues: issues.slice(0, 20) },
          'snapshot not published: the configuration does not make a valid Envoy configuration',
        );
        return { ok: false, issues };
      }
      const encoded = result.encoded;
      return {
        ok: true,
        version: encoded.version,
        commit() {
          if (snapshot.warnings.length > 0) {
            const warnings =
              loaded === undefined ? snapshot.warnings : withPositions(loaded, snapshot.warnings);
            logger.warn(
              { node: nodeId, code: 'ENVOY_UNSUPPORTED', warnings },
              'some settings are not honoured by the Envoy generator',
            );
          }
          cache.set(nodeId, encoded);
          logger.info({ node: nodeId, version: encoded.version }, 'snapshot published');
          entry(nodeId).published = encoded.version;
        },
      };
    },
    onSnapshot(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    status() {
      return Object.fromEntries([...status].map(([k, v]) => [k, { ...v, acked: { ...v.acked } }]));
    },
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.tryShutdown(() => resolve());
              setTimeout(() => {
                s.forceShutdown();
                resolve();
              }, 1000).unref();
            }),
        ),
      );
    },
  };
  return self;
}
