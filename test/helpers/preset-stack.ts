// One provider preset end to end on loopback: a provider fake (fake-oidc-provider.ts with a
// profile from fake-providers.ts), the real authn server and the real authz gRPC server sharing
// one in-memory databroker and config (`idp_provider: <preset>`), three routes judged by policy
// (groups `admins`, groups `finance`, domain `example.com`) on one host, and a Browser whose virtual hosts
// reach authn. `signIn` follows a sign-in to the end (posting a form_post callback like a
// browser); `check` asks authz about a route with the browser's session cookie.
import { type AuthnServer, createAuthnServer } from '../../authn/index.js';
import { buildSignInUrl } from '../../wire/index.js';
import {
  type AuthzHarness,
  type CheckResult,
  fixture,
  startAuthzHarness,
} from './authz-harness.js';
import { Browser, type BrowserResponse, readForm } from './browser.js';
import {
  type AppleClientKey,
  type FakeProvider,
  type FakeUser,
  startFakeProvider,
} from './fake-oidc-provider.js';
import { FAKE_PROFILES, type FakeProfileName } from './fake-providers.js';

export const AUTH = 'https://auth.example.com';
export const APP = 'https://app.example.com';
export const SIGNED_OUT = `${AUTH}/.pomerium/signed_out`;
const HOSTS = ['auth.example.com', 'app.example.com'];

/** A route on app.example.com allowing by one policy criterion. */
const route = (id: string, prefix: string, criterion: string) => `
  - id: ${id}
    from: https://app.example.com${prefix ? `\n    prefix: ${prefix}` : ''}
    to: http://upstream.internal:8080
    policy: { allow: { and: [ ${criterion} ] } }`;

// three routes on the one host the session cookie belongs to, judged by policy
export const ROUTES_YAML = `routes:${route('finance', '/finance', '{ groups: { has: finance } }')}${route('mail', '/mail', '{ domain: { is: example.com } }')}${route('app', '', '{ groups: { has: admins } }')}
`;

export interface PresetStack {
  readonly fake: FakeProvider;
  readonly authz: AuthzHarness;
  readonly authn: AuthnServer;
  browser(): Browser;
  signInUrl(): string;
  /** Signs in from the sign-in URL to the app page; every hop. */
  signIn(b: Browser): Promise<BrowserResponse[]>;
  /** authz's answer for a GET on `route` with the browser's `_pomerium` cookie. */
  check(b: Browser, route: 'app' | 'finance' | 'mail'): Promise<CheckResult>;
  close(): Promise<void>;
}

export interface PresetStackOptions {
  readonly provider: FakeProfileName;
  readonly user: FakeUser;
  /** idp_provider_url from the fake's origin and issuers (default: the first issuer). */
  readonly url?: (fake: FakeProvider) => string;
  /** idp_client_secret (default: the fake's client secret), or made once the fake runs. */
  readonly clientSecret?: string | ((fake: FakeProvider) => Promise<string>);
  readonly extraYaml?: string;
  readonly apple?: AppleClientKey;
}

/** The callback's form from an auto-submitting form_post page, posted like a browser. */
export async function postCallbackForm(
  b: Browser,
  page: BrowserResponse,
): Promise<BrowserResponse> {
  const form = readForm(page.body);
  return b.request('POST', form.action, {
    form: form.fields,
    headers: { origin: new URL(page.url).origin },
  });
}

export async function startPresetStack(options: PresetStackOptions): Promise<PresetStack> {
  const fake = await startFakeProvider(FAKE_PROFILES[options.provider], options.user, {
    clientSecret: 'test-secret',
    ...(options.apple ? { apple: options.apple } : {}),
  });
  let authz: AuthzHarness | undefined;
  try {
    const secret =
      typeof options.clientSecret === 'function'
        ? await options.clientSecret(fake)
        : options.clientSecret;
    authz = await startAuthzHarness({
      yaml: `idp_provider: ${options.provider}\n${options.extraYaml ?? ''}\n${ROUTES_YAML}`,
      idpProviderUrl: options.url?.(fake) ?? (fake.issuers[0] as string),
      ...(secret ? { idpClientSecret: secret } : {}),
    });
  } catch (error) {
    await fake.close();
    throw error;
  }
  const z = authz;
  const authn = createAuthnServer({ config: z.loaded.config, store: z.store, refresh: false });
  const { port } = await authn.listen(0, '127.0.0.1');
  const hosts = Object.fromEntries(HOSTS.map((h) => [h, port]));
  const signInUrl = () =>
    buildSignInUrl({
      authenticateUrl: AUTH,
      redirectUri: `${APP}/page`,
      idpId: authn.defaultIdpId,
      key: z.keys.urlKey,
    });
  const stopAtApp = (u: URL) => u.hostname === 'app.example.com' && u.pathname === '/page';
  return {
    fake,
    authz: z,
    authn,
    browser: () => new Browser(hosts),
    signInUrl,
    async signIn(b) {
      const hops = await b.follow(signInUrl(), { stop: stopAtApp });
      const last = hops.at(-1);
      if (last?.status === 200 && /<form method="post"/.test(last.body)) {
        const posted = await postCallbackForm(b, last);
        hops.push(posted);
        if (posted.location) hops.push(...(await b.follow(posted.location, { stop: stopAtApp })));
      }
      return hops;
    },
    check(b, route) {
      const cookie = b.jar.get(`${APP}/`, '_pomerium');
      const path = route === 'app' ? '/page' : `/${route}/page`;
      return z.check(
        fixture('browser-get', (f) => {
          const http = f.attributes.request.http;
          http.headers[':path'] = path;
          http.path = path;
          if (cookie) http.headers.cookie = `_pomerium=${cookie}`;
          f.attributes.context_extensions = { internal: 'false', route_id: route };
        }),
      );
    },
    async close() {
      await authn.close();
      await z.close();
      await fake.close();
    },
  };
}
