import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRoutePolicies } from '../../../../authz/index.js';
import { parseConfigText } from '../../../../config/index.js';
import { naiveDecide } from './naive-reference.js';
import { CLAIMS, EMAILS, generator, prng } from './random-policies.js';

const PAIRS = 2_000;
const SEED = Number(process.env.POLICY_PROPERTY_SEED ?? 20261124) + 1;
const CA = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t';

/** Reference §1.7, written out naively: the legacy keys as one allow `or` rule. */
function naiveLegacyRule(route: Record<string, unknown>): unknown[] {
  const or: unknown[] = [];
  if (route.allow_public_unauthenticated_access) or.push({ accept: true });
  if (route.cors_allow_preflight) or.push({ cors_preflight: true });
  if (route.allow_any_authenticated_user) or.push({ authenticated_user: true });
  const subs = (route.sub_policies ?? []) as Record<string, unknown>[];
  const owners = [route, ...subs];
  for (const r of owners)
    for (const d of (r.allowed_domains ?? []) as string[]) or.push({ domain: { is: d } });
  for (const r of owners) {
    const claims = (r.allowed_idp_claims ?? {}) as Record<string, unknown[]>;
    for (const k of Object.keys(claims).sort())
      for (const v of claims[k]!) or.push({ [`claim/${k}`]: v });
  }
  for (const r of owners) {
    for (const u of (r.allowed_users ?? []) as string[])
      or.push({ user: { is: u } }, { email: { is: u } });
  }
  return or.length === 0 ? [] : [{ allow: { or } }];
}

test(`legacy route keys and the mTLS default deny agree with a naive conversion on ${PAIRS} random routes (seed ${SEED})`, () => {
  const rand = prng(SEED);
  const gen = generator(rand);
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rand() < 0.3);
  const outcomes = new Set<string>();
  for (let i = 0; i < PAIRS; i++) {
    const route: Record<string, unknown> = {
      id: 'r',
      from: 'https://a.example.com',
      to: 'http://a',
    };
    const mode = Math.floor(rand() * 3);
    if (mode === 0) route.allow_public_unauthenticated_access = true;
    if (mode === 1) route.allow_any_authenticated_user = true;
    if (rand() < 0.3) route.cors_allow_preflight = true;
    if (mode === 2) {
      route.allowed_domains = some(['x.com', 'y.org']);
      route.allowed_users = some([...EMAILS, 'u1', 'u2']);
    }
    if (rand() < 0.4)
      route.allowed_idp_claims = { department: some(CLAIMS), team: some(['a', 'b']) };
    if (rand() < 0.2)
      route.sub_policies = [
        { allowed_users: some(['u1', 'b@x.com']), allowed_domains: some(['y.org']) },
      ];
    if (rand() < 0.5) route.policy = gen.doc();
    // mcp_tool is only allowed on MCP server routes (the random documents may use it)
    if (JSON.stringify(route.policy ?? null).includes('mcp_tool')) route.mcp = { server: {} };
    const config: Record<string, unknown> = {
      authenticate_service_url: 'https://auth.example.com',
      routes: [route],
    };
    const mtls = Math.floor(rand() * 5);
    if (mtls === 1) config.downstream_mtls = { ca: CA };
    if (mtls === 2) config.downstream_mtls = { ca: CA, enforcement: 'policy' };
    if (mtls === 3) route.tls_downstream_client_ca = CA;
    const defaultDeny = mtls === 1 || mtls === 3;
    const loaded = parseConfigText(JSON.stringify(config), { file: 'r.json', env: {} });
    const { req, id, now, browser } = gen.input();
    const got = compileRoutePolicies(loaded).get('r')!.evaluate(req, id, { now });
    const ppl =
      route.policy === undefined ? [] : Array.isArray(route.policy) ? route.policy : [route.policy];
    const doc = [
      ...naiveLegacyRule(route),
      ...ppl,
      ...(defaultDeny ? [{ deny: { or: [{ invalid_client_certificate: true }] } }] : []),
    ];
    const want = naiveDecide(doc, req, id, now, browser);
    assert.deepEqual(
      {
        outcome: got.outcome,
        status: got.status,
        reasons: got.reasons,
        allowReasons: got.allowReasons,
        denyReasons: got.denyReasons,
        allow: got.allow,
        deny: got.deny,
      },
      want,
      `pair ${i} (seed ${SEED}): ${JSON.stringify({ config, req, id, now })}`,
    );
    outcomes.add(`${got.outcome}:${got.status}`);
  }
  assert.deepEqual([...outcomes].sort(), [
    'allow:200',
    'deny:403',
    'deny:495',
    'login:302',
    'login:401',
  ]);
});
