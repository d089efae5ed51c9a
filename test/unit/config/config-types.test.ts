import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Config, parseConfigText, type Route } from '../../../config/index.js';

/** The shape other rooms code against (common.md "Config conventions"); checked by tsc. */
interface ConventionRoute {
  readonly id: string;
  readonly from: string;
  readonly to?: readonly { url: string; weight?: number }[] | undefined;
  readonly prefix?: string | undefined;
  readonly path?: string | undefined;
  readonly regex?: string | undefined;
  readonly policy?: unknown;
  readonly allowed_users: readonly string[];
  readonly allowed_domains: readonly string[];
  readonly timeout?: number | undefined;
}
interface ConventionConfig {
  readonly routes: readonly ConventionRoute[];
  readonly jwt_claims_headers: Readonly<Record<string, string>>;
  readonly shared_secret?: string | undefined;
  readonly cookie_secret?: string | undefined;
  readonly signing_key?: string | undefined;
  readonly cookie_expire: number;
  readonly groups_claim: string;
}

test('the parsed config has the shape the other rooms code against', () => {
  const { config } = parseConfigText(
    'routes: [{from: "https://a.example.com", to: "http://a,2", timeout: 2s}]',
    { file: 't.yaml', env: {} },
  );
  const c: ConventionConfig = config satisfies Config;
  const r: ConventionRoute = config.routes[0] as Route;
  assert.deepEqual(r.to, [{ url: 'http://a', weight: 2 }]);
  assert.equal(r.timeout, 2000);
  assert.equal(c.groups_claim, 'groups');
});
