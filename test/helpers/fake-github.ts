// A local fake of GitHub's OAuth and REST endpoints as GitHub Enterprise Server lays them out
// (<base>/login/oauth/authorize, <base>/login/oauth/access_token, <base>/api/v3/...), with
// GitHub's quirks: token errors as 200 + `error`, PKCE S256 checked, lists paginated by a Link
// header (small pages so every list spans several), rate limits as 403/429. `quirk` turns it
// hostile for one test.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGithubUser {
  id: unknown;
  login: string;
  name?: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
  orgs: string[];
  /** `org/slug` */
  teams: string[];
}

export type FakeGithubQuirk =
  | 'none'
  | 'rate-limited'
  | 'secondary-rate-limit'
  | 'next-link-elsewhere'
  | 'endless-pages'
  | 'token-error-in-200'
  | 'user-500';

export interface FakeGithub {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  user: FakeGithubUser;
  quirk: FakeGithubQuirk;
  /** Where `next-link-elsewhere` points. */
  elsewhere: string;
  pageSize: number;
  /** Paths the API served, in order (tests count pages). */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeGithub(user: FakeGithubUser): Promise<FakeGithub> {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const tokens = new Set<string>();
  const requests: string[] = [];
  const fake: FakeGithub = {
    url: '',
    clientId: 'gh-client',
    clientSecret: 'gh-secret',
    user,
    quirk: 'none',
    elsewhere: 'http://127.0.0.1:9/',
    pageSize: 2,
    requests,
    close: async () => undefined,
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const c of req) text += c;
    return new URLSearchParams(text);
  };
  const page = (res: ServerResponse, url: URL, all: unknown[]) => {
    const per = Math.min(Number(url.searchParams.get('per_page') ?? 30), fake.pageSize);
    const n = Number(url.searchParams.get('page') ?? 1);
    const items = all.slice((n - 1) * per, n * per);
    const headers: Record<string, string> = {};
    const next = new URL(url);
    next.searchParams.set('page', String(n + 1));
    if (fake.quirk === 'next-link-elsewhere') {
      headers.link = `<${fake.elsewhere}user/orgs?page=2>; rel="next"`;
    } else if (fake.quirk === 'endless-pages' || n * per < all.length) {
      headers.link = `<${next.toString()}>; rel="next", <${url.origin}${url.pathname}?page=1>; rel="first"`;
    }
    json(res, 200, items, headers);
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', fake.url);
    if (url.pathname === '/login/oauth/authorize') {
      const code = randomBytes(8).toString('hex');
      codes.set(code, {
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri: url.searchParams.get('redirect_uri') ?? '',
      });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const form = await readBody(req);
      if (
        form.get('client_id') !== fake.clientId ||
        form.get('client_secret') !== fake.clientSecret
      ) {
        return json(res, 200, { error: 'incorrect_client_credentials' });
      }
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (
        fake.quirk === 'token-error-in-200' ||
        !grant ||
        grant.challenge !== challenge ||
        grant.redirectUri !== form.get('redirect_uri')
      ) {
        return json(res, 200, { error: 'bad_verification_code', error_description: 'nope' });
      }
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return json(res, 200, {
        access_token: token,
        token_type: 'bearer',
        scope: 'read:user,user:email,read:org',
      });
    }
    if (!url.pathname.startsWith('/api/v3/')) return json(res, 404, { message: 'Not Found' });
    requests.push(`${url.pathname}${url.search}`);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!tokens.has(token)) return json(res, 401, { message: 'Bad credentials' });
    if (fake.quirk === 'rate-limited') {
      return json(
        res,
        403,
        { message: 'API rate limit exceeded' },
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '1893456000',
        },
      );
    }
    if (fake.quirk === 'secondary-rate-limit') {
      return json(res, 429, { message: 'secondary rate limit' }, { 'retry-after': '30' });
    }
    const path = url.pathname.slice('/api/v3'.length);
    const u = fake.user;
    if (path === '/user') {
      if (fake.quirk === 'user-500') return json(res, 502, { message: 'bad gateway' });
      return json(res, 200, { id: u.id, login: u.login, name: u.name ?? null, email: null });
    }
    if (path === '/user/emails') return page(res, url, u.emails);
    if (path === '/user/orgs')
      return page(
        res,
        url,
        u.orgs.map((login, i) => ({ id: i + 1, login })),
      );
    if (path === '/user/teams') {
      return page(
        res,
        url,
        u.teams.map((t, i) => {
          const [org, slug] = t.split('/');
          return { id: i + 1, slug, name: slug, organization: { login: org } };
        }),
      );
    }
    return json(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return fake;
}
