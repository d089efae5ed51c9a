// `portcullis token verify -c CONFIG --route ID TOKEN`: what an `Authorization: Bearer` token
// would be on a route (docs/machine-access.md) — the identity the IdP vouches for, or which check
// failed — and the route policy's decision for that identity: the bearer twin of `policy eval`.
// It asks the configured IdP (discovery, JWKS; userinfo or introspection for opaque tokens) and
// writes no session.

import { stdin, stdout } from 'node:process';
import { createBearerAuthenticator, parsePolicyInput } from '../../authz/index.js';
import { loadConfigFile } from '../../config/index.js';
import { createMemoryStore } from '../../databroker/index.js';
import { PortcullisError } from '../../errors/index.js';
import { computeIdpId } from '../../wire/index.js';
import { runSubcommand } from '../lib/run-subcommand.js';
import type { Command } from '../main.js';
import { parsePolicyArgs } from './policy-args.js';
import { decisionJson } from './policy-eval.js';
import { loadPolicy } from './policy-source.js';

const HELP = `Usage: portcullis token verify -c CONFIG --route ID TOKEN
       portcullis token verify -c CONFIG --route ID -      (the token from stdin)

Verifies a bearer token as authz would on the route (bearer_token_format idp_access_token or
idp_identity_token: signature against the IdP JWKS, issuer, audience, expiry; opaque tokens at
the IdP) and prints {"route","format","valid","reason"|"identity","audience","expiresAt",
"decision"} as one JSON object. --route takes a route id, or the route's from URL when exactly
one route has it. No session is written.

Exit codes: 0 the token is valid on the route (whatever the policy decides), 1 it is not (or
the config is invalid), 2 usage error.
`;

async function readToken(arg: string): Promise<string> {
  if (arg !== '-') return arg.trim();
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function verify(args: readonly string[]): Promise<number | { usage: string }> {
  const a = parsePolicyArgs(args, true);
  if ('error' in a) return { usage: a.error };
  if (a.help) {
    stdout.write(HELP);
    return 0;
  }
  if (a.config === undefined || a.route === undefined) {
    return { usage: 'give -c CONFIG --route ID' };
  }
  if (a.files.length !== 1) return { usage: 'give exactly one TOKEN (or - for stdin)' };
  const token = await readToken(a.files[0]!);
  const loaded = await loadConfigFile(a.config);
  const config = loaded.config;
  const byFrom = config.routes.filter((r) => r.from === a.route);
  const route =
    config.routes.find((r) => r.id === a.route) ?? (byFrom.length === 1 ? byFrom[0] : undefined);
  if (route === undefined)
    throw new PortcullisError('USAGE', `no route '${a.route}' in ${a.config}`);
  const store = createMemoryStore();
  try {
    const bearer = createBearerAuthenticator({ store });
    const settings = bearer.settings(config, { route, idpId: computeIdpId(config, route) });
    const format = route.bearer_token_format ?? config.bearer_token_format;
    if (settings === null) {
      stdout.write(
        `${JSON.stringify({ route: route.id, format, valid: false, reason: `bearer_token_format is ${format}: a Bearer token is not an IdP identity on this route` })}\n`,
      );
      return 1;
    }
    const out = await bearer.explain(settings, token);
    if (!out.ok) {
      stdout.write(
        `${JSON.stringify({ route: route.id, format, valid: false, reason: out.description })}\n`,
      );
      return 1;
    }
    const { identity } = out;
    const input = parsePolicyInput({
      request: {
        method: 'GET',
        url: route.from.replace(/\/*$/, '/'),
        headers: { authorization: 'Bearer [redacted]', accept: 'application/json' },
      },
      identity: {
        sessionId: '',
        userId: identity.userId,
        email: identity.email,
        groups: [...identity.groups],
        claims: identity.claims,
      },
    });
    if ('problems' in input) {
      throw new PortcullisError(
        'USAGE',
        input.problems.map((p) => `${p.path}: ${p.message}`).join('\n'),
      );
    }
    const policy = await loadPolicy({ kind: 'route', config: a.config, route: route.id });
    const decision =
      'evaluate' in policy
        ? policy.evaluate(input.request, input.identity, { now: Date.now() })
        : policy;
    stdout.write(
      `${JSON.stringify({
        route: route.id,
        format,
        valid: true,
        identity: {
          userId: identity.userId,
          email: identity.email,
          name: identity.name,
          groups: identity.groups,
          claims: identity.claims,
        },
        audience: out.audience,
        expiresAt: Number.isFinite(out.until) ? new Date(out.until).toISOString() : null,
        decision: decisionJson(decision),
      })}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

const command: Command = {
  summary: 'explain what an IdP bearer token would be on a route (token verify)',
  run: (args) => runSubcommand('token', HELP, { verify: { run: verify, help: HELP } }, args),
};
export default command;
