// The whole product on loopback for end-to-end tests: the dev IdP and the demo app in this
// process; `portcullis start` as child processes — all-in-one (one process, supervised Envoy,
// in-memory databroker) or split mode (two authorize replicas + authenticate + proxy on Postgres).
// Route hosts are *.localhost names (Chromium and the test Browser reach them on 127.0.0.1).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTlsFiles } from '../../cli/commands/generate-tls-files.js';
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../../cli/index.js';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/index.js';
import { type DevIdp, type DevUser, startDevIdp } from '../../examples/dev-idp/index.js';
import {
  type PortcullisProcess,
  spawnPortcullis,
} from '../../examples/split-mode/spawn-portcullis.js';
import { type SplitMode, startSplitMode } from '../../examples/split-mode/start-split-mode.js';
import { Browser, type BrowserResponse, readForm } from './browser.js';
import { freePorts } from './free-port.js';
import { assertPostgresReachable, databaseUrl, dropSchema, testSchemaName } from './postgres.js';

export const ALICE = {
  username: 'alice',
  password: 'alice-pw',
  email: 'alice@example.com',
  name: 'Alice',
  groups: ['engineering', 'admins'],
} as const satisfies DevUser;
export const BOB = {
  username: 'bob',
  password: 'bob-pw',
  email: 'bob@example.com',
  name: 'Bob',
  groups: ['sales'],
} as const satisfies DevUser;

export type RouteName = 'app' | 'other' | 'public' | 'admin' | 'authenticate';

export interface E2eStack {
  readonly mode: 'all' | 'split';
  readonly envoyPort: number;
  readonly configFile: string;
  readonly idp: DevIdp;
  /** The OAuth client Portcullis uses at the dev IdP (machine tokens by client credentials). */
  readonly client: { readonly id: string; readonly secret: string };
  readonly app: DemoApp;
  /** `http://<name>.localhost:<envoy port>` */
  url(name: RouteName | string): string;
  /** all-in-one: the one process. */
  readonly portcullis?: PortcullisProcess;
  /** split mode: the four processes. */
  readonly split?: SplitMode;
  /** A scripted browser (cookie jar) for node-side requests through Envoy. */
  browser(): Browser;
  /** Rewrites the config file with extra routes appended (hot reload). */
  writeConfig(extraRoutesYaml?: string): Promise<void>;
  /** Every log line of every Portcullis process so far. */
  readonly logs: { name: string; line: string }[];
  close(): Promise<void>;
}

function indent(text: string, spaces: number): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(spaces)}${l}`)
    .join('\n');
}

export interface E2eStackOptions {
  /**
   * More routes (YAML list items) in the initial config; `{{envoy}}` becomes the Envoy port,
   * `{{app}}` the demo app's.
   */
  readonly extraRoutes?: string;
  /** More top-level YAML settings (e.g. metrics_address); `{{envoy}}` becomes the Envoy port. */
  readonly extraConfig?: string;
  /** log_level of the Portcullis processes (default info: one `authorize` line per decision). */
  readonly logLevel?: string;
  /** Keep every log line in `logs` (default true; benchmarks turn it off). */
  readonly collectLogs?: boolean;
  /** Node options of the all-in-one child (e.g. `--cpu-prof`). */
  readonly execArgv?: readonly string[];
  /** More environment of the Portcullis children (e.g. MALLOC_ARENA_MAX for a memory bench). */
  readonly env?: Readonly<Record<string, string>>;
  /** `cookie_secure` (default false: the stack is plain HTTP; true gives `__Host-` names). */
  readonly cookieSecure?: boolean;
  /** Split mode's PostgreSQL (default DATABASE_URL), e.g. a private one a fault bench restarts. */
  readonly databaseUrl?: string;
  /** RFC 8707 resources the dev IdP issues JWT access tokens for (machine access). */
  readonly idpResources?: readonly string[];
}

export async function startE2eStack(
  mode: 'all' | 'split',
  options: E2eStackOptions = {},
): Promise<E2eStack> {
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) throw new Error(`Envoy is required for end-to-end tests: ${ENVOY_INSTALL_HINT}`);
  if (mode === 'split') await assertPostgresReachable(options.databaseUrl);
  const [envoyPort, grpcPort, authz1, authz2, authnPort] = await freePorts(5);
  const host = (name: string) => `http://${name}.localhost:${envoyPort}`;
  const dir = await mkdtemp(join(tmpdir(), `portcullis-e2e-${mode}-`));
  const configFile = join(dir, 'config.yaml');
  const clientSecret = randomBytes(16).toString('hex');
  const idp = await startDevIdp({
    port: 0,
    users: [ALICE, BOB].map((u) => ({ ...u, groups: [...u.groups] })),
    clients: [
      {
        client_id: 'portcullis-e2e',
        client_secret: clientSecret,
        redirect_uris: [`${host('authenticate')}/oauth2/callback`],
        post_logout_redirect_uris: [`${host('authenticate')}/.pomerium/signed_out`],
      },
    ],
    ...(options.idpResources ? { resources: options.idpResources } : {}),
  });
  const app = await startDemoApp({ name: 'e2e demo app', connect: `127.0.0.1:${envoyPort}` });
  const to = `http://127.0.0.1:${app.port}`;
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  // Split mode runs TLS on every internal hop, with the files `keys generate --tls` makes.
  if (mode === 'split') generateTlsFiles({ dir: join(dir, 'tls'), names: [], configDir: dir });
  const base = `
insecure_server: true
address: 127.0.0.1:${envoyPort}
grpc_address: 127.0.0.1:${grpcPort}
grpc_insecure: ${mode === 'split' ? 'false' : 'true'}
authenticate_service_url: ${host('authenticate')}
idp_provider: oidc
idp_provider_url: ${idp.issuer}
idp_client_id: portcullis-e2e
idp_client_secret: ${clientSecret}
shared_secret: ${randomBytes(32).toString('base64')}
cookie_secret: ${randomBytes(32).toString('base64')}
cookie_secure: ${options.cookieSecure ?? false}
jwt_claims_headers: email,groups
log_level: ${options.logLevel ?? 'info'}
${options.extraConfig?.replaceAll('{{envoy}}', String(envoyPort)) ?? ''}
`;
  // all-in-one leaves signing_key unset on purpose: the start command generates one and shares it.
  const modeYaml =
    mode === 'all'
      ? 'services: all\ndatabroker_storage_type: memory\n'
      : `authenticate_internal_service_url: https://127.0.0.1:${authnPort}
authorize_service_urls:
  - https://127.0.0.1:${authz1}
  - https://127.0.0.1:${authz2}
certificate_authority_file: tls/ca.pem
certificate_file: tls/server.pem
certificate_key_file: tls/server-key.pem
grpc_client_ca_file: tls/ca.pem
grpc_client_certificate_file: tls/client.pem
grpc_client_certificate_key_file: tls/client-key.pem
databroker_storage_type: postgres
signing_key: |
${indent(signingKey, 2)}
`;
  const routes = `
routes:
  - from: ${host('app')}
    to: ${to}
    pass_identity_headers: true
    policy:
      allow:
        and:
          - groups:
              has: engineering
  - from: ${host('other')}
    to: ${to}
    pass_identity_headers: true
    allow_any_authenticated_user: true
  - from: ${host('public')}
    to: ${to}
    allow_public_unauthenticated_access: true
  - from: ${host('admin')}
    to: ${to}
    pass_identity_headers: true
    policy:
      allow:
        and:
          - email:
              is: ${ALICE.email}
`;
  const writeConfig = async (extra = ''): Promise<void> => {
    const text = `${base}${modeYaml}${routes}${extra ? `${indent(extra, 2)}\n` : ''}`;
    const tmp = `${configFile}.tmp`;
    await writeFile(tmp, text);
    const { rename } = await import('node:fs/promises');
    await rename(tmp, configFile);
  };
  await writeConfig(
    options.extraRoutes
      ?.replaceAll('{{envoy}}', String(envoyPort))
      .replaceAll('{{app}}', String(app.port)),
  );

  const logs: { name: string; line: string }[] = [];
  const onLine = (name: string, line: string) => {
    if (options.collectLogs !== false) logs.push({ name, line });
    if (process.env.E2E_LOGS) process.stderr.write(`${name}: ${line}\n`);
  };
  const schema = mode === 'split' ? testSchemaName('e2e') : undefined;
  let portcullis: PortcullisProcess | undefined;
  let split: SplitMode | undefined;
  try {
    if (mode === 'all') {
      portcullis = await spawnPortcullis({
        name: 'portcullis',
        configFile,
        env: { ...options.env, ENVOY_BIN: envoyBin },
        onLine,
        ...(options.execArgv ? { execArgv: options.execArgv } : {}),
      });
    } else {
      split = await startSplitMode({
        configFile,
        databaseUrl: options.databaseUrl ?? databaseUrl(),
        databrokerSchema: schema!,
        env: { ...options.env, ENVOY_BIN: envoyBin },
        onLine,
        ...(options.execArgv ? { execArgv: options.execArgv } : {}),
      });
    }
  } catch (err) {
    await app.close();
    await idp.close();
    throw err;
  }
  return {
    mode,
    envoyPort,
    configFile,
    idp,
    client: { id: 'portcullis-e2e', secret: clientSecret },
    app,
    url: host,
    ...(portcullis ? { portcullis } : {}),
    ...(split ? { split } : {}),
    browser: () => new Browser(),
    writeConfig,
    logs,
    async close() {
      await portcullis?.stop();
      await split?.stop();
      await app.close();
      await idp.close();
      if (schema) await dropSchema(schema, options.databaseUrl).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs `user` in with the scripted browser: follows `url` to the IdP form, posts the
 * credentials, follows the redirects back; resolves to the final answer on `url`'s host.
 */
export async function scriptedSignIn(
  stack: E2eStack,
  browser: Browser,
  url: string,
  user: { username: string; password: string } = ALICE,
): Promise<BrowserResponse> {
  const toForm = await browser.follow(url);
  const formPage = toForm.at(-1);
  if (formPage?.status !== 200 || new URL(formPage.url).origin !== stack.idp.issuer) {
    throw new Error(`expected the IdP login form, got ${formPage?.status} ${formPage?.url}`);
  }
  const form = readForm(formPage.body);
  const posted = await browser.request('POST', new URL(form.action, formPage.url).toString(), {
    form: { username: user.username, password: user.password },
  });
  if (!posted.location) throw new Error(`login failed with ${posted.status}`);
  const target = new URL(url);
  const back = await browser.follow(posted.location);
  const last = back.at(-1);
  if (!last || new URL(last.url).host !== target.host) {
    throw new Error(`sign-in did not come back to ${target.host}: ${last?.status} ${last?.url}`);
  }
  return last;
}
