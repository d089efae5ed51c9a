// Runs the real authz gRPC server on 127.0.0.1:0 for tests, with a real gRPC client sending
// CheckRequests (JSON fixtures shaped as Envoy sends them, test/integration/authz/fixtures) and
// decoding CheckResponses into plain status / headers / body. Sessions are minted the way authn
// does: user + session records in the databroker and an HS256 session handle.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { buildAuthzServer } from '../../authz/build-authz-server.js';
import { type AuthzServer, createAuthzServer } from '../../authz/index.js';
import type { CompilePolicies } from '../../authz/lib/authz-state.js';
import { type LoadedConfig, parseConfigText } from '../../config/index.js';
import {
  createMemoryStore,
  type RecordStore,
  type Session,
  type User,
} from '../../databroker/index.js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';
import { computeIdpId, type DerivedKeys, deriveKeys, signSessionHandle } from '../../wire/index.js';
import { type CheckClient, checkClient } from './check-client.js';
import { repoRoot } from './config-fixtures.js';

export const FIXTURES = join(repoRoot(), 'test', 'integration', 'authz', 'fixtures');

/** A CheckRequest fixture (deep copy), optionally edited. */
export function fixture(name: string, edit?: (f: CheckFixture) => void): CheckFixture {
  const f = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as CheckFixture;
  edit?.(f);
  return f;
}

/**
 * A CheckRequest of an MCP client to `host` + `path` on route `route`: the Streamable HTTP
 * accept and content type, `body` on a POST, extra `headers` on top.
 */
export function mcpCheckRequest(
  route: string,
  host: string,
  path: string,
  opts: {
    readonly headers?: Record<string, string>;
    readonly method?: string;
    readonly body: string;
    readonly internal?: boolean;
  },
): CheckFixture {
  const method = opts.method ?? 'POST';
  return fixture('api-get', (f) => {
    const http = f.attributes.request.http;
    http.method = method;
    http.path = path;
    http.host = host;
    http.headers = {
      ...http.headers,
      ':authority': host,
      ':method': method,
      ':path': path,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      ...opts.headers,
    };
    if (method === 'POST') http.body = opts.body;
    f.attributes.context_extensions = { internal: String(opts.internal ?? false), route_id: route };
  });
}

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** The fields of a fixture tests edit. */
export interface CheckFixture {
  attributes: {
    source?: { address?: unknown; certificate?: string; principal?: string };
    request: {
      http: {
        id?: string;
        method?: string;
        headers: Record<string, string>;
        path?: string;
        host?: string;
        [k: string]: unknown;
      };
    };
    context_extensions?: Record<string, string>;
    [k: string]: unknown;
  };
}

/** A CheckResponse made plain. */
export interface CheckResult {
  /** gRPC status code of the CheckResponse (0 = OK). */
  readonly code: number;
  readonly allowed: boolean;
  /** HTTP status: 200 for allow, else the denied_response status. */
  readonly status: number;
  /** Headers to set (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly headersToRemove: readonly string[];
  readonly queryToRemove: readonly string[];
  readonly body: string;
  /** All header options exactly as sent (for append_action checks). */
  readonly raw: unknown;
}

const STATUS_NUMBERS: Record<string, number> = {
  Found: 302,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  OK: 200,
  NoContent: 204,
  MethodNotAllowed: 405,
  BadGateway: 502,
  ServiceUnavailable: 503,
};

interface WireHeader {
  header: { key: string; value: string };
  append_action: string;
}

function decode(res: {
  status?: { code?: number };
  ok_response?: {
    headers?: WireHeader[];
    headers_to_remove?: string[];
    query_parameters_to_remove?: string[];
  } | null;
  denied_response?: {
    status?: { code?: string | number };
    headers?: WireHeader[];
    body?: string;
  } | null;
}): CheckResult {
  const code = res.status?.code ?? 0;
  const headerMap = (hs: WireHeader[] | undefined) =>
    Object.fromEntries((hs ?? []).map((h) => [h.header.key, h.header.value]));
  if (res.ok_response && code === 0) {
    return {
      code,
      allowed: true,
      status: 200,
      headers: headerMap(res.ok_response.headers),
      headersToRemove: res.ok_response.headers_to_remove ?? [],
      queryToRemove: res.ok_response.query_parameters_to_remove ?? [],
      body: '',
      raw: res,
    };
  }
  const s = res.denied_response?.status?.code;
  const status = typeof s === 'number' ? s : (STATUS_NUMBERS[String(s)] ?? Number(s));
  return {
    code,
    allowed: false,
    status,
    headers: headerMap(res.denied_response?.headers),
    headersToRemove: [],
    queryToRemove: [],
    body: res.denied_response?.body ?? '',
    raw: res,
  };
}

export interface SignInOptions {
  readonly userId?: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups?: readonly string[];
  readonly claims?: Record<string, unknown[]>;
  readonly userClaims?: Record<string, unknown[]>;
  readonly session?: Partial<Session>;
  /** Identity provider of the handle and session (default: the global one). */
  readonly idpId?: string;
  /** Handle lifetime, ms (default 1 h). */
  readonly ttlMs?: number;
}

export interface AuthzHarness {
  readonly authz: AuthzServer;
  readonly store: RecordStore;
  readonly loaded: LoadedConfig;
  readonly keys: DerivedKeys;
  readonly port: number;
  readonly idpId: string;
  check(request: CheckFixture | object, deadlineMs?: number): Promise<CheckResult>;
  /** Writes user + session records and returns the session handle JWT. */
  signIn(options?: SignInOptions): Promise<{ sessionId: string; token: string; userId: string }>;
  /** A raw gRPC client on the server's port (health checks, hostile calls). */
  client(service: 'authorization' | 'health'): grpc.Client;
  close(): Promise<void>;
}

export interface AuthzHarnessOptions {
  /** YAML appended to the base config (routes etc.). */
  readonly yaml: string;
  readonly store?: RecordStore;
  /** Stand-in policy compiler (default: the real engine via createAuthzServer). */
  readonly compile?: CompilePolicies;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Config file name (relative `*_file` paths resolve from its folder). */
  readonly file?: string;
  /** `idp_provider_url` of the base config (default https://idp.example.com). */
  readonly idpProviderUrl?: string;
  /** `idp_client_secret` of the base config (default test-secret; may span lines: a PEM). */
  readonly idpClientSecret?: string;
}

export const SHARED_SECRET = randomBytes(32).toString('base64');
const SIGNING_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

/** The base config every authz test starts from (authenticate URL, secrets, signing key). */
export function baseYaml(
  idpProviderUrl = 'https://idp.example.com',
  idpClientSecret = 'test-secret',
): string {
  return [
    'authenticate_service_url: https://auth.example.com',
    `shared_secret: ${SHARED_SECRET}`,
    'signing_key: |',
    ...SIGNING_PEM.trim()
      .split('\n')
      .map((l) => `  ${l}`),
    `idp_provider_url: ${idpProviderUrl}`,
    'idp_client_id: portcullis',
    ...(idpClientSecret.includes('\n')
      ? [
          'idp_client_secret: |',
          ...idpClientSecret
            .trim()
            .split('\n')
            .map((l) => `  ${l}`),
        ]
      : [`idp_client_secret: ${idpClientSecret}`]),
  ].join('\n');
}

export function loadTestConfig(
  yaml: string,
  file = join(FIXTURES, 'config.yaml'),
  idpProviderUrl?: string,
  idpClientSecret?: string,
): LoadedConfig {
  return parseConfigText(`${baseYaml(idpProviderUrl, idpClientSecret)}\n${yaml}`, {
    file,
    env: {},
  });
}

export async function startAuthzHarness(options: AuthzHarnessOptions): Promise<AuthzHarness> {
  const loaded = loadTestConfig(
    options.yaml,
    options.file,
    options.idpProviderUrl,
    options.idpClientSecret,
  );
  const store = options.store ?? createMemoryStore();
  const serverOptions = {
    loaded,
    store,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
  let authz: AuthzServer;
  try {
    authz = options.compile
      ? buildAuthzServer({ ...serverOptions, compile: options.compile })
      : createAuthzServer(serverOptions);
  } catch (err) {
    if (!options.store) await store.close();
    throw err;
  }
  const port = await authz.listen(0, '127.0.0.1');
  const root = loadGrpcObject([serviceProtoFiles.health]) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const clients: grpc.Client[] = [];
  const client = (service: 'authorization' | 'health'): grpc.Client => {
    const target = `127.0.0.1:${port}`;
    const c =
      service === 'authorization'
        ? checkClient(target)
        : new root.grpc.health.v1.Health(target, grpc.credentials.createInsecure());
    clients.push(c);
    return c;
  };
  const authClient = client('authorization') as CheckClient;
  const keys = deriveKeys(loaded.config.shared_secret!);
  const now = options.now ?? Date.now;
  const idpId = computeIdpId(loaded.config);
  return {
    authz,
    store,
    loaded,
    keys,
    port,
    idpId,
    check(request, deadlineMs = 10_000) {
      return new Promise((resolve, reject) => {
        authClient.check(request, { deadline: Date.now() + deadlineMs }, (err, res) =>
          err ? reject(err) : resolve(decode(res as Parameters<typeof decode>[0])),
        );
      });
    },
    async signIn(o = {}) {
      const userId = o.userId ?? `user-${randomUUID().slice(0, 8)}`;
      const sessionId = randomUUID();
      const t = now();
      const ttl = o.ttlMs ?? 3_600_000;
      const idp = o.idpId ?? idpId;
      const user: User = {
        id: userId,
        email: o.email ?? `${userId}@example.com`,
        name: o.name ?? userId,
        claims: o.userClaims ?? {},
      };
      const session: Session = {
        id: sessionId,
        user_id: userId,
        idp_id: idp,
        issued_at: t,
        accessed_at: t,
        expires_at: t + ttl,
        oauth_token: {
          access_token: `access-${sessionId}`,
          token_type: 'Bearer',
          refresh_token: `refresh-${sessionId}`,
          expires_at: t + ttl,
        },
        id_token: {
          issuer: 'https://idp.example.com',
          subject: userId,
          issued_at: t,
          expires_at: t + ttl,
          raw: `idtoken-${sessionId}`,
        },
        claims: { email: [user.email], ...(o.claims ?? {}) },
        audience: ['app.example.com'],
        groups: [...(o.groups ?? [])],
        ...(o.session ?? {}),
      };
      await store.put([
        { type: 'user', id: userId, data: user },
        { type: 'session', id: sessionId, data: session },
      ]);
      const token = signSessionHandle(
        {
          iss: 'auth.example.com',
          sub: userId,
          aud: ['auth.example.com', 'app.example.com'],
          iat: Math.floor(t / 1000),
          exp: Math.floor((t + ttl) / 1000),
          jti: sessionId,
          idp_id: idp,
        },
        keys.sessionKey,
      );
      return { sessionId, token, userId };
    },
    client,
    async close() {
      for (const c of clients) c.close();
      await authz.close();
      if (!options.store) await store.close();
    },
  };
}
