// `portcullis policy eval (-c CONFIG --route ID | --policy FILE) --input FILE.json`: decides one
// request offline, exactly as authz would, and prints the decision as one JSON object.
import { readFile } from 'node:fs/promises';
import { stdin, stdout } from 'node:process';
import { type PolicyDecision, parsePolicyInput } from '../../authz/policy/index.js';
import { PortcullisError } from '../../errors/index.js';
import { parsePolicyArgs, sourceOf } from './policy-args.js';
import { loadPolicy } from './policy-source.js';

export const EVAL_HELP = `Usage: portcullis policy eval -c CONFIG --route ID --input FILE.json [--mcp-tool NAME]
       portcullis policy eval --policy POLICY.yaml --input FILE.json [--mcp-tool NAME]

Decides one request offline with the route's compiled policy (or a stand-alone PPL document)
and prints {"outcome","status","reasons","allowReasons","denyReasons","explanation",…}.
--route takes a route id, or the route's from URL when exactly one route has it; an unknown
route gives the 404 decision. --input - reads the input from stdin. Input:
  {"request": {"method": "GET", "url": "https://app.example.com/a", "headers": {…},
               "sourceIp": "203.0.113.7",
               "clientCertificate": {"presented": true, "valid": true, "leafPem": "…"},
               "mcp": {"method": "tools/call", "tool": "admin_drop"}},
   "identity": {"sessionId": "s1", "userId": "u1", "email": "a@example.com",
                "groups": ["eng"], "claims": {"department": ["sales"]}} | null,
   "now": "2026-11-24T10:00:00Z"}

request.mcp is the JSON-RPC call of an MCP server route (docs/mcp.md), what mcp_tool judges:
{"tool": "NAME"} is a tools/call of NAME, {"method": "tools/list"} another message.
--mcp-tool NAME judges the input as a tools/call of NAME (replacing request.mcp).

Exit codes: 0 decided (whatever the outcome), 1 invalid config/policy/input, 2 usage error.
`;

/** The JSON shape printed for a decision (docs/architecture.md "Contracts"). */
export function decisionJson(d: PolicyDecision): Record<string, unknown> {
  return {
    outcome: d.outcome,
    status: d.status,
    reasons: d.reasons,
    allowReasons: d.allowReasons,
    denyReasons: d.denyReasons,
    explanation: d.explanation,
    failures: d.failures,
    allow: d.allow,
    deny: d.deny,
  };
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and checks an input file; a usage-style error message when it is not valid. */
export async function loadInput(file: string) {
  let text: string;
  try {
    text = await readInput(file);
  } catch (err) {
    throw new PortcullisError('CONFIG_NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PortcullisError('USAGE', `${file}: not JSON (${(err as Error).message})`);
  }
  const input = parsePolicyInput(json);
  if ('problems' in input) {
    const lines = input.problems.map((p) => `${file}: ${p.path || '(input)'}: ${p.message}`);
    throw new PortcullisError('USAGE', lines.join('\n'));
  }
  return input;
}

export async function runEval(args: readonly string[]): Promise<number | { usage: string }> {
  const a = parsePolicyArgs(args, false);
  if ('error' in a) return { usage: a.error };
  if (a.help) {
    stdout.write(EVAL_HELP);
    return 0;
  }
  const src = sourceOf(a);
  if (src === undefined) return { usage: 'give -c CONFIG --route ID, or --policy FILE' };
  if ('error' in src) return { usage: src.error };
  if (a.input === undefined) return { usage: 'give the request with --input FILE.json' };
  const input = await loadInput(a.input);
  const policy = await loadPolicy(src);
  const now = input.now ?? Date.now();
  const request =
    a.mcpTool === undefined
      ? input.request
      : { ...input.request, mcp: { method: 'tools/call', tool: a.mcpTool } };
  const decision =
    'evaluate' in policy ? policy.evaluate(request, input.identity, { now }) : policy;
  stdout.write(`${JSON.stringify(decisionJson(decision))}\n`);
  return 0;
}
