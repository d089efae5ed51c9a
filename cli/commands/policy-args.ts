// Options shared by `portcullis policy eval` and `policy test`: -c/--config, --route, --policy,
// --input, -h/--help, plus --format and positional files (test only).
import type { PolicySource } from './policy-source.js';

export interface PolicyArgs {
  readonly help: boolean;
  readonly config?: string;
  readonly route?: string;
  readonly policy?: string;
  readonly input?: string;
  /** policy eval: judge the input as a JSON-RPC tools/call of this MCP tool. */
  readonly mcpTool?: string;
  /** policy test's output: text (default), json or junit. */
  readonly format?: string;
  readonly files: readonly string[];
}

const WITH_VALUE: Readonly<Record<string, keyof PolicyArgs>> = {
  '-c': 'config',
  '--config': 'config',
  '--route': 'route',
  '--policy': 'policy',
  '--input': 'input',
  '-i': 'input',
  '--format': 'format',
  '--mcp-tool': 'mcpTool',
};

export function parsePolicyArgs(
  args: readonly string[],
  positional: boolean,
): PolicyArgs | { error: string } {
  const out: Record<string, unknown> = { help: false, files: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const key = WITH_VALUE[name];
    if (a === '-h' || a === '--help') out.help = true;
    else if (key === 'format' && !positional) {
      return { error: '--format is an option of policy test' };
    } else if (key === 'mcpTool' && positional) {
      return {
        error: '--mcp-tool is an option of policy eval (policy test cases give request.mcp)',
      };
    } else if (key !== undefined) {
      const v = name !== a ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === '') return { error: `${name} needs a value` };
      out[key] = v;
    } else if (a.startsWith('-') && a !== '-') return { error: `unknown option '${a}'` };
    else if (positional) (out.files as string[]).push(a);
    else return { error: `unexpected argument '${a}'` };
  }
  return out as unknown as PolicyArgs;
}

/** The policy source the options name, or an error, or undefined when they name none. */
export function sourceOf(a: PolicyArgs): PolicySource | { error: string } | undefined {
  if (a.policy !== undefined) {
    if (a.config !== undefined || a.route !== undefined) {
      return { error: '--policy cannot be combined with -c/--route' };
    }
    return { kind: 'file', file: a.policy };
  }
  if (a.config === undefined && a.route === undefined) return undefined;
  if (a.config === undefined) return { error: '--route needs -c CONFIG' };
  if (a.route === undefined) return { error: '-c CONFIG needs --route ID' };
  return { kind: 'route', config: a.config, route: a.route };
}
