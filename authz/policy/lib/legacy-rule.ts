// Legacy route keys (docs/pomerium-behaviour.md §1.7) as one implicit allow `or` block, in Pomerium's order:
// public → accept, cors_allow_preflight → cors_preflight, allow_any_authenticated_user →
// authenticated_user, allowed_domains → domain is, allowed_idp_claims → claim/k (keys sorted),
// allowed_users → user is + email is. Sub-policies' lists are appended.
import type { Route } from '../../../config/index.js';
import type { CompileSession, Criterion, PolicyPath } from './criterion.js';
import { compileCriterion } from './parse-policy-document.js';
import { EMPTY_RULES, type RuleSet } from './rule-set.js';

type Item = { key: string; value: unknown; at: PolicyPath };

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function legacyRule(route: Route, at: PolicyPath, session: CompileSession): RuleSet {
  if (
    !route.allow_public_unauthenticated_access &&
    !route.cors_allow_preflight &&
    !route.allow_any_authenticated_user &&
    route.allowed_domains.length === 0 &&
    route.allowed_users.length === 0 &&
    Object.keys(route.allowed_idp_claims).length === 0 &&
    (route.sub_policies ?? []).length === 0
  ) {
    return EMPTY_RULES;
  }
  const items: Item[] = [];
  if (route.allow_public_unauthenticated_access) {
    items.push({ key: 'accept', value: true, at: [...at, 'allow_public_unauthenticated_access'] });
  }
  if (route.cors_allow_preflight) {
    items.push({ key: 'cors_preflight', value: true, at: [...at, 'cors_allow_preflight'] });
  }
  if (route.allow_any_authenticated_user) {
    items.push({
      key: 'authenticated_user',
      value: true,
      at: [...at, 'allow_any_authenticated_user'],
    });
  }
  const subs = route.sub_policies ?? [];
  const domains: Item[] = route.allowed_domains.map((d, i) => ({
    key: 'domain',
    value: { is: d },
    at: [...at, 'allowed_domains', i],
  }));
  const claims: [string, unknown[], PolicyPath][] = Object.keys(route.allowed_idp_claims)
    .sort()
    .map((k) => [k, route.allowed_idp_claims[k]!, [...at, 'allowed_idp_claims', k]]);
  const users: [unknown, PolicyPath][] = route.allowed_users.map((u, i) => [
    u,
    [...at, 'allowed_users', i],
  ]);
  subs.forEach((sp, s) => {
    const sat = [...at, 'sub_policies', s];
    listOf(sp.allowed_domains).forEach((d, i) => {
      domains.push({ key: 'domain', value: { is: d }, at: [...sat, 'allowed_domains', i] });
    });
    const spClaims = sp.allowed_idp_claims;
    if (spClaims !== null && typeof spClaims === 'object' && !Array.isArray(spClaims)) {
      for (const k of Object.keys(spClaims).sort()) {
        claims.push([
          k,
          listOf((spClaims as Record<string, unknown>)[k]),
          [...sat, 'allowed_idp_claims', k],
        ]);
      }
    }
    listOf(sp.allowed_users).forEach((u, i) => {
      users.push([u, [...sat, 'allowed_users', i]]);
    });
  });
  items.push(...domains);
  for (const [k, values, cat] of claims) {
    values.forEach((v, i) => {
      items.push({ key: `claim/${k}`, value: v, at: [...cat, i] });
    });
  }
  for (const [u, uat] of users) {
    items.push({ key: 'user', value: { is: u }, at: uat });
    items.push({ key: 'email', value: { is: u }, at: uat });
  }
  if (items.length === 0) return EMPTY_RULES;
  const criteria: Criterion[] = [];
  for (const it of items) {
    const c = compileCriterion(it.key, it.value, it.at, session);
    if (c !== undefined) criteria.push(c);
  }
  return { allow: [{ op: 'or', criteria }], deny: [] };
}
