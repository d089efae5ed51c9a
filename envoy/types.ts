// The envoy room's public types: build options, the immutable snapshot of one config version,
// and the issues that stop a snapshot from being published (each names its route).
import type { Position } from '../config/index.js';
import type { Json } from './lib/envoy-values.js';
import type { ResourceKind } from './lib/names.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
  /** Speak TLS to it (an https:// service URL); verified against certificate_authority. */
  readonly tls?: boolean;
}

export interface EnvoyBuildOptions {
  /** authz (ext_authz gRPC) endpoints; several for replicas. */
  readonly authz: readonly HostPort[];
  /** Where authn serves HTTP. */
  readonly authn: HostPort;
  /** Envoy admin port on 127.0.0.1 (bootstrap only; default 9901, 0 = any free port). */
  readonly adminPort?: number;
  /** Folder that relative certificate/CA file paths are resolved from (the config's folder). */
  readonly baseDir?: string;
  /** Served when the config names no certificate and is not insecure (development). */
  readonly devCertificate?: { readonly cert: string; readonly key: string };
  /** Overrides `address` (e.g. `127.0.0.1:0` in tests). */
  readonly listenAddress?: string;
  /** Overrides `http_redirect_addr`. */
  readonly redirectAddress?: string;
  /** CA bundle for upstream TLS when neither the route nor the config names one. */
  readonly systemCaFile?: string;
  /**
   * Inline PEMs for TLS to our own services, winning over the config's file references (the
   * start command reads them, so a rotated file reaches Envoy with the next snapshot).
   */
  readonly autocert?: {
    /** The certificate of every autocert host (CA-issued or a placeholder), served over SDS. */
    readonly certificates: readonly {
      readonly host: string;
      readonly cert: string;
      readonly key: string;
    }[];
  };
  readonly internalTls?: {
    /** CA verifying authorize/authn (else certificate_authority, else the system bundle). */
    readonly ca?: string;
    /** Client certificate Envoy presents (else grpc_client_certificate*). */
    readonly clientCert?: { readonly cert: string; readonly key: string };
  };
}

/** Where a generated resource (or a part of it) came from in the config. */
export interface ResourceOrigin {
  /** Index in `config.routes`. */
  readonly routeIndex: number;
  readonly routeId: string;
}

/** One generated resource with its name and, for per-route resources, its origin. */
export interface NamedResource {
  readonly name: string;
  readonly resource: Json;
  /** Config route that produced the whole resource (route clusters). */
  readonly origin?: ResourceOrigin;
  /** Field path prefix → origin, for resources assembled from many routes. */
  readonly parts?: ReadonlyMap<string, ResourceOrigin>;
}

/** Every resource of one config version, by kind; immutable. */
export interface Snapshot {
  readonly resources: Readonly<Record<ResourceKind, readonly NamedResource[]>>;
  /** SDS secrets the listeners name (autocert); absent or empty without autocert. */
  readonly secrets?: readonly NamedResource[];
  /** Problems found while building (e.g. an unsupported upstream), never published. */
  readonly buildIssues: readonly EnvoyIssue[];
  /** Settings the generator does not honour yet (published anyway, logged). */
  readonly warnings: readonly EnvoyIssue[];
}

export type EnvoyIssueCode =
  | 'ENVOY_RESOURCE_INVALID'
  | 'ENVOY_SNAPSHOT_INCONSISTENT'
  | 'ENVOY_UNSUPPORTED';

/** Why a snapshot cannot be published. */
export interface EnvoyIssue {
  readonly code: EnvoyIssueCode;
  /** `cluster route-ab12`, `route_configuration main`, `listener https-ingress`, `bootstrap`. */
  readonly resource: string;
  /** Proto field path inside the resource ('' for the resource itself). */
  readonly field: string;
  readonly message: string;
  /** The config route it came from, when it came from one. */
  readonly route?: {
    readonly index: number;
    readonly id: string;
    /** `routes[3]` */
    readonly path: string;
    readonly position?: Position & { readonly file: string };
  };
}
