// gRPC clients of grpc_address for control-plane tests: Check (ext_authz), an ADS stream and
// health, over TLS with chosen credentials (server CA, optional client certificate, optional
// `jwt` metadata), each resolving to what the caller got: a gRPC status code and any data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';
import { repoRoot } from './config-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: the loaded proto tree is untyped
type Tree = any;

export interface CallerCredentials {
  /** PEM CA that verifies the server. */
  readonly serverCa: string;
  readonly clientCert?: { readonly cert: string; readonly key: string };
  readonly jwt?: string;
}

export interface CallResult {
  /** grpc.status code (0 = OK). */
  readonly code: number;
  /** Messages received (a Check response, ADS responses). */
  readonly data: readonly unknown[];
}

function channelCredentials(c: CallerCredentials): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(
    Buffer.from(c.serverCa),
    c.clientCert ? Buffer.from(c.clientCert.key) : null,
    c.clientCert ? Buffer.from(c.clientCert.cert) : null,
  );
}

function metadata(c: CallerCredentials): grpc.Metadata {
  const md = new grpc.Metadata();
  if (c.jwt !== undefined) md.set('jwt', c.jwt);
  return md;
}

const root = (): Tree =>
  loadGrpcObject([serviceProtoFiles.extAuthz, serviceProtoFiles.ads, serviceProtoFiles.health]);

/** A browser GET CheckRequest (JSON as Envoy sends it) for `routeId`. */
export function checkRequest(routeId: string): unknown {
  const fixture = JSON.parse(
    readFileSync(
      join(repoRoot(), 'test', 'integration', 'authz', 'fixtures', 'browser-get.json'),
      'utf8',
    ),
  ) as { attributes: { context_extensions?: Record<string, string> } };
  fixture.attributes.context_extensions = { route_id: routeId, internal: 'false' };
  return fixture;
}

export function callCheck(
  address: string,
  creds: CallerCredentials,
  request: unknown,
): Promise<CallResult> {
  const Client = root().envoy.service.auth.v3.Authorization;
  const client = new Client(address, channelCredentials(creds)) as grpc.Client & {
    Check(
      r: unknown,
      md: grpc.Metadata,
      o: grpc.CallOptions,
      cb: (e: grpc.ServiceError | null, r?: unknown) => void,
    ): void;
  };
  return new Promise((resolve) => {
    client.Check(request, metadata(creds), { deadline: Date.now() + 5000 }, (err, res) => {
      client.close();
      resolve(err ? { code: err.code, data: [] } : { code: 0, data: [res] });
    });
  });
}

/** Opens an ADS stream, asks for clusters, and waits for an answer or the stream's end. */
export function callAds(address: string, creds: CallerCredentials): Promise<CallResult> {
  const Client = root().envoy.service.discovery.v3.AggregatedDiscoveryService;
  const client = new Client(address, channelCredentials(creds)) as grpc.Client & {
    StreamAggregatedResources(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown>;
  };
  return new Promise((resolve) => {
    const data: unknown[] = [];
    const stream = client.StreamAggregatedResources(metadata(creds));
    const done = (code: number) => {
      clearTimeout(timer);
      stream.cancel();
      client.close();
      resolve({ code, data });
    };
    const timer = setTimeout(() => done(data.length > 0 ? 0 : grpc.status.DEADLINE_EXCEEDED), 5000);
    stream.on('data', (d) => {
      data.push(d);
      done(0);
    });
    stream.on('error', (e: grpc.ServiceError) => done(e.code));
    stream.write({
      node: { id: 'test-caller' },
      type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    });
  });
}

export function callHealth(address: string, creds: CallerCredentials): Promise<CallResult> {
  const Client = root().grpc.health.v1.Health;
  const client = new Client(address, channelCredentials(creds)) as grpc.Client & {
    Check(
      r: unknown,
      md: grpc.Metadata,
      cb: (e: grpc.ServiceError | null, r?: unknown) => void,
    ): void;
  };
  return new Promise((resolve) => {
    client.Check({ service: '' }, metadata(creds), (err, res) => {
      client.close();
      resolve(err ? { code: err.code, data: [] } : { code: 0, data: [res] });
    });
  });
}
