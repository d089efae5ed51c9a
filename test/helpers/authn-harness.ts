// Starts the real pieces of a sign-in for authn tests: the development IdP (oidc-provider) on
// loopback, an in-memory databroker, the authn server, and a Browser whose virtual hosts
// (auth.example.com, app.example.com, …) reach the authn server with the right Host header.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type AuthnServer, createAuthnServer } from '../../authn/index.js';
import { type Config, parseConfigText } from '../../config/index.js';
import { createMemoryStore, openPostgresStore, type RecordStore } from '../../databroker/index.js';
import { type DevIdp, type DevUser, startDevIdp } from '../../examples/dev-idp/index.js';
import { buildSignInUrl, type DerivedKeys, deriveKeys } from '../../wire/index.js';
import { Browser, type BrowserResponse, readForm } from './browser.js';
import { assertPostgresReachable, databaseUrl, dropSchema, testSchemaName } from './postgres.js';

export const AUTH = 'https://auth.example.com';
export const APP = 'https://app.example.com';
export const ROUTE_HOSTS = ['app.example.com', 'b.example.com', 'c.example.com', 'd.example.com'];

export const ALICE: DevUser = {
  username: 'alice',
  password: 'alice-pw',
  email: 'alice@example.com',
  name: 'Alice',
  groups: ['engineering', 'admins'],
  claims: { department: 'engineering' },
};

export interface Harness {
  readonly idp: DevIdp;
  readonly store: RecordStore;
  readonly authn: AuthnServer;
  readonly config: Config;
  readonly keys: DerivedKeys;
  readonly port: number;
  browser(): Browser;
  /** A sign-in URL as authz would build it. */
  signInUrl(redirectUri?: string, extra?: { additionalHosts?: string[] }): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly accessTokenTtl?: number;
  readonly extraYaml?: string;
  /** Point authn at another issuer (a hostile IdP double). */
  readonly issuer?: string;
  /** authn's clock (epoch ms). */
  readonly now?: () => number;
  /** Databroker backend (default memory; postgres uses DATABASE_URL and a fresh schema). */
  readonly store?: 'memory' | 'postgres';
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const idp = await startDevIdp({
    port: 0,
    users: [ALICE, { username: 'bob', password: 'bob-pw', email: 'bob@example.com', groups: [] }],
    clients: [
      {
        client_id: 'portcullis',
        client_secret: 'test-secret',
        redirect_uris: [`${AUTH}/oauth2/callback`],
        post_logout_redirect_uris: [`${AUTH}/.pomerium/signed_out`],
      },
    ],
    ...(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}),
  });
  const sharedSecret = randomBytes(32).toString('base64');
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const yaml = `
authenticate_service_url: ${AUTH}
shared_secret: ${sharedSecret}
cookie_secret: ${randomBytes(32).toString('base64')}
signing_key: |
${pem
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
idp_provider: oidc
idp_provider_url: ${options.issuer ?? idp.issuer}
idp_client_id: portcullis
idp_client_secret: test-secret
signout_redirect_url: ${APP}/goodbye
jwt_claims_headers: email,groups,department
${options.extraYaml ?? ''}
routes:
  - from: ${APP}
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
    depends_on: [b.example.com, c.example.com]
  - from: https://b.example.com
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
  - from: https://c.example.com
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
  - from: https://d.example.com
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
`;
  const { config } = parseConfigText(yaml, { file: 'authn-test.yaml' });
  let schema: string | undefined;
  let store: RecordStore;
  if (options.store === 'postgres') {
    await assertPostgresReachable();
    schema = testSchemaName('authn');
    store = await openPostgresStore({ connectionString: databaseUrl(), sharedSecret, schema });
  } else {
    store = createMemoryStore();
  }
  const authn = createAuthnServer({
    config,
    store,
    refresh: false,
    ...(options.now ? { now: options.now } : {}),
  });
  const { port } = await authn.listen(0, '127.0.0.1');
  const keys = deriveKeys(sharedSecret, config.cookie_secret);
  const hosts = Object.fromEntries(
    ['auth.example.com', 'unknown.example', ...ROUTE_HOSTS].map((h) => [h, port]),
  );
  return {
    idp,
    store,
    authn,
    config,
    keys,
    port,
    browser: () => new Browser(hosts),
    signInUrl: (redirectUri = `${APP}/page?x=1`, extra = {}) =>
      buildSignInUrl({
        authenticateUrl: AUTH,
        redirectUri,
        idpId: authn.defaultIdpId,
        ...(extra.additionalHosts ? { additionalHosts: extra.additionalHosts } : {}),
        key: keys.urlKey,
      }),
    async close() {
      await authn.close();
      await idp.close();
      await store.close();
      if (schema) await dropSchema(schema);
    },
  };
}

const isIdp = (idp: DevIdp) => (u: URL) => u.origin === idp.issuer;

/**
 * Follows `start` to the IdP login form, posts the credentials, and follows the redirects back
 * until `stopAt(url)` (default: the original URL on app.example.com). Returns every hop.
 */
export async function signIn(
  h: Harness,
  b: Browser,
  start: string,
  options: { user?: string; password?: string; stopAt?: (u: URL) => boolean } = {},
): Promise<BrowserResponse[]> {
  const toForm = await b.follow(start);
  const formPage = toForm.at(-1);
  if (formPage?.status !== 200 || !isIdp(h.idp)(new URL(formPage.url))) {
    throw new Error(`expected the IdP login form, got ${formPage?.status} ${formPage?.url}`);
  }
  const form = readForm(formPage.body);
  const posted = await b.request('POST', new URL(form.action, formPage.url).toString(), {
    form: { username: options.user ?? 'alice', password: options.password ?? 'alice-pw' },
  });
  if (!posted.location) throw new Error(`login failed with ${posted.status}`);
  const stop =
    options.stopAt ??
    ((u: URL) => u.hostname === 'app.example.com' && !u.pathname.startsWith('/.pomerium/'));
  const back = await b.follow(posted.location, { stop });
  return [...toForm, posted, ...back];
}
