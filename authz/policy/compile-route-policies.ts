// Every route's policy compiled once at config load: the route's PPL, the implicit legacy-key
// allow rule before it, and the mTLS default deny rule when a client CA is configured. Problems
// are positioned `invalid_policy` issues; compileRoutePolicies throws them, policyIssues lists them.
// validate compiles one loaded config's routes once (compileAll).
import { ConfigError, type ConfigIssue, type LoadedConfig } from '../../config/index.js';
import { compileRuleSet } from './lib/compile-rule-set.js';
import { compileSession } from './lib/criterion.js';
import { DEFAULT_DENY_RULE, routeWantsDefaultDeny } from './lib/default-deny-rule.js';
import { legacyRule } from './lib/legacy-rule.js';
import { parsePolicyDocument } from './lib/parse-policy-document.js';
import { EMPTY_RULES, mergeRules, type RuleSet } from './lib/rule-set.js';
import { toConfigIssues } from './lib/to-config-issues.js';
import type { CompiledPolicy } from './types.js';

function usesCriterion(rules: RuleSet, key: string): boolean {
  return [...rules.allow, ...rules.deny].some((b) => b.criteria.some((c) => c.key === key));
}

interface Compiled {
  readonly policies: Map<string, CompiledPolicy>;
  readonly issues: ConfigIssue[];
}

/**
 * A compilation policyIssues made, kept for the compileRoutePolicies call that follows it with
 * the same routes and settings: `portcullis validate` lists the problems and then prepares authz
 * from the same loaded config (its copy with the generated secrets shares the routes), which
 * compiled every policy a second time. Taken once, so nothing else keeps compiled policies alive.
 */
const listed = new WeakMap<
  readonly unknown[],
  { readonly file: string; readonly mtls: unknown; readonly compiled: Compiled }
>();

function compileAll(loaded: LoadedConfig, keep: boolean): Compiled {
  const { routes, downstream_mtls: mtls } = loaded.config;
  const memo = listed.get(routes);
  if (memo !== undefined && memo.file === loaded.file && memo.mtls === mtls) {
    if (!keep) listed.delete(routes);
    return memo.compiled;
  }
  const compiled = compileUncached(loaded);
  if (keep) listed.set(routes, { file: loaded.file, mtls, compiled });
  return compiled;
}

function compileUncached(loaded: LoadedConfig): Compiled {
  const session = compileSession();
  const policies = new Map<string, CompiledPolicy>();
  const { config } = loaded;
  config.routes.forEach((route, i) => {
    const at = ['routes', i];
    const legacy = legacyRule(route, at, session);
    const ppl =
      route.policy === undefined
        ? EMPTY_RULES
        : parsePolicyDocument(route.policy, [...at, 'policy'], session);
    // only MCP server routes carry the JSON-RPC call (docs/mcp.md): elsewhere a tool call could
    // not be seen, and a deny rule on tools would silently never match
    if (route.mcp?.server === undefined && usesCriterion(ppl, 'mcp_tool')) {
      session.problems.push({
        path: [...at, 'policy'],
        message: 'mcp_tool needs an `mcp: server:` route (only those read the JSON-RPC body)',
      });
    }
    const defaultDeny = routeWantsDefaultDeny(config, route) ? DEFAULT_DENY_RULE : EMPTY_RULES;
    policies.set(route.id, compileRuleSet(route.id, mergeRules(legacy, ppl, defaultDeny)));
  });
  return {
    policies,
    issues: toConfigIssues(session.problems, loaded.file, (p) => loaded.locate(p)),
  };
}

/**
 * Compiles every route's policy, keyed by route id. Throws a ConfigError (CONFIG_INVALID) whose
 * issues are positioned `invalid_policy` problems.
 */
export function compileRoutePolicies(loaded: LoadedConfig): ReadonlyMap<string, CompiledPolicy> {
  const { policies, issues } = compileAll(loaded, false);
  if (issues.length > 0) throw new ConfigError(issues);
  return policies;
}

/** The same checks as compileRoutePolicies, as a list (for `portcullis validate`). */
export function policyIssues(loaded: LoadedConfig): ConfigIssue[] {
  return compileAll(loaded, true).issues;
}
