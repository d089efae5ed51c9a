// `mcp_tool` (docs/mcp.md, as Pomerium's current criterion has it): only a JSON-RPC `tools/call`
// whose tool name matches the string matcher satisfies it (`mcp-tool-match`); another tool does not
// (`mcp-tool-no-match`), nor does a request that is not a tool call (`mcp-not-a-tool-call`),
// so `deny: [mcp_tool: …]` refuses those tools and nothing else. Only MCP server routes
// carry the call (authz reads their body); compile-route-policies.ts refuses the criterion on
// other routes, where a tool call could not be seen.
import { type CriterionCompiler, q } from '../lib/criterion.js';
import { reasonIndex } from '../lib/reasons.js';
import { compileStringMatcher } from '../lib/string-matcher.js';

const NOT_A_CALL = reasonIndex('mcp-not-a-tool-call');
const OK = reasonIndex('mcp-tool-match');
const UNAUTHORIZED = reasonIndex('mcp-tool-no-match');

export const compileMcpTool: CriterionCompiler = (value, _sub, ctx) => {
  const m = compileStringMatcher(value, ctx);
  if (m === undefined) return undefined;
  return {
    key: 'mcp_tool',
    wanted: `the MCP tool must ${m.describe}`,
    wantedNot: `the MCP tool must not ${m.describe}`,
    test: (req) => {
      const call = req.mcp;
      if (call === undefined || call.method !== 'tools/call') return NOT_A_CALL;
      return call.tool !== null && m.test(call.tool) ? OK : UNAUTHORIZED;
    },
    got: (req) =>
      req.mcp?.method === 'tools/call' ? `the tool is ${q(req.mcp.tool ?? '')}` : 'not a tool call',
  };
};
