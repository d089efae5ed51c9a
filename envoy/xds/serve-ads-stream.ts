// The state-of-the-world ADS stream (go-control-plane's sotw/ads.go): knows type URLs, versions,
// nonces and ACK/NACK, nothing about what the resources say. Per type it answers an open request
// when the served version differs from the last one sent (or, for routes and SDS secrets, when
// Envoy asks for names it was not sent); clusters go first (listeners and
// routes wait until this Envoy ACKed the clusters they may use); a NACK is logged with Envoy's
// error and that version is not sent again.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { SECRET_TYPE_URL, TYPE_URLS } from '../lib/names.js';
import type { SnapshotCache } from './snapshot-cache.js';

export interface DiscoveryRequest {
  version_info: string;
  node: { id: string; cluster?: string } | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail: { code: number; message: string } | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: { type_url: string; value: Uint8Array }[];
  type_url: string;
  nonce: string;
}

/** Optional hooks (docs/style.md §17). */
export interface XdsCallbacks {
  onStreamOpen?(node: string): void;
  onStreamRequest?(node: string, request: DiscoveryRequest): void;
  onStreamResponse?(node: string, response: DiscoveryResponse): void;
  onAck?(node: string, typeUrl: string, version: string): void;
  onNack?(node: string, typeUrl: string, version: string, error: string): void;
}

interface TypeState {
  open: boolean;
  names: string[];
  sentVersion: string | undefined;
  sentNonce: string | undefined;
  ackedVersion: string | undefined;
  /** Snapshot version the last response of this type belonged to. */
  sentSnapshot: string | undefined;
  /** Resource names the last response answered (routes, secrets: Envoy asks by name). */
  sentNames: string;
}

const ORDER = [TYPE_URLS.cluster, TYPE_URLS.listener, TYPE_URLS.route];

export function serveAdsStream(
  call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
  cache: SnapshotCache,
  logger: Logger,
  callbacks: XdsCallbacks,
): void {
  let node: string | undefined;
  let nonce = 0;
  const states = new Map<string, TypeState>();
  const state = (t: string): TypeState => {
    let s = states.get(t);
    if (s === undefined) {
      s = {
        open: false,
        names: [],
        sentVersion: undefined,
        sentNonce: undefined,
        ackedVersion: undefined,
        sentSnapshot: undefined,
        sentNames: '',
      };
      states.set(t, s);
    }
    return s;
  };

  const respond = (t: string): void => {
    if (node === undefined) return;
    const st = states.get(t);
    const snap = cache.get(node);
    const entry = snap?.types.get(t);
    if (st === undefined || !st.open || snap === undefined || entry === undefined) return;
    const named = t === TYPE_URLS.route || t === SECRET_TYPE_URL;
    const names = named ? [...st.names].sort().join('\n') : '';
    // Same version: nothing to send, unless Envoy now asks for names it was not sent (a second
    // SDS secret subscribes after the first was answered).
    if (entry.version === st.sentVersion && names === st.sentNames) return;
    if (t !== TYPE_URLS.cluster) {
      const c = states.get(TYPE_URLS.cluster);
      const clusters = snap.types.get(TYPE_URLS.cluster);
      // Make before break: routes/listeners only after this Envoy has the clusters they use.
      if (c !== undefined && clusters !== undefined && c.ackedVersion !== clusters.version) return;
    }
    const wanted = named && st.names.length > 0 ? new Set(st.names) : undefined;
    const resources = entry.resources
      .filter((r) => wanted === undefined || wanted.has(r.name))
      .map((r) => ({ type_url: r.type_url, value: r.value }));
    const response: DiscoveryResponse = {
      version_info: entry.version,
      resources,
      type_url: t,
      nonce: String(++nonce),
    };
    st.open = false;
    st.sentVersion = entry.version;
    st.sentNonce = response.nonce;
    st.sentSnapshot = snap.version;
    st.sentNames = names;
    callbacks.onStreamResponse?.(node, response);
    call.write(response);
  };
  const respondAll = (): void => {
    for (const t of ORDER) respond(t);
    for (const t of states.keys()) if (!ORDER.includes(t as (typeof ORDER)[number])) respond(t);
  };

  const unwatch = cache.watch((changed) => {
    if (node !== undefined && (changed === '*' || changed === node)) respondAll();
  });

  call.on('data', (req: DiscoveryRequest) => {
    if (node === undefined) {
      node = req.node?.id || 'unknown';
      callbacks.onStreamOpen?.(node);
    }
    callbacks.onStreamRequest?.(node, req);
    const t = req.type_url;
    const st = state(t);
    if (req.response_nonce !== '' && req.response_nonce !== st.sentNonce) return; // stale
    st.names = req.resource_names ?? [];
    if (req.response_nonce !== '' && st.sentVersion !== undefined) {
      if (req.error_detail !== null && req.error_detail !== undefined) {
        const error = req.error_detail.message;
        logger.error(
          { node, typeUrl: t, version: st.sentVersion, code: 'ENVOY_CONFIG_REJECTED', error },
          'Envoy rejected a snapshot (NACK); it keeps its last accepted configuration',
        );
        callbacks.onNack?.(node, t, st.sentVersion, error);
        // Envoy keeps what it had: that version is what this stream now holds for the type.
        st.sentVersion = req.version_info;
        st.ackedVersion = req.version_info;
        st.open = true;
        if (st.sentSnapshot !== undefined) cache.rejected(node, st.sentSnapshot);
      } else {
        st.ackedVersion = req.version_info;
        callbacks.onAck?.(node, t, req.version_info);
        const snap = cache.get(node);
        if (
          snap !== undefined &&
          [...snap.types].every(([u, e]) => states.get(u)?.ackedVersion === e.version)
        ) {
          cache.acked(node, snap.version);
        }
      }
    } else if (req.version_info !== '') {
      st.ackedVersion = req.version_info; // a reconnecting Envoy says what it has
    }
    st.open = true;
    if (t === TYPE_URLS.cluster) respondAll();
    else respond(t);
  });
  const end = (): void => {
    unwatch();
    call.end();
  };
  call.on('end', end);
  call.on('error', () => unwatch());
  call.on('cancelled', () => unwatch());
}
