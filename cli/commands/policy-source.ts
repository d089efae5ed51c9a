// Where `portcullis policy eval|test` get a policy from: a route of a config file (`-c FILE
// --route ID`, compiled exactly as authz compiles it) or a stand-alone PPL document (`--policy
// FILE`, YAML or JSON, problems positioned in that file). Compiled configs are cached per path.
import { readFile } from 'node:fs/promises';
import { LineCounter, type Node, parseDocument } from 'yaml';
import {
  type CompiledPolicy,
  compilePolicyDocument,
  compileRoutePolicies,
  ROUTE_NOT_FOUND,
} from '../../authz/policy/index.js';
import { ConfigError, loadConfigFile, type Position } from '../../config/index.js';
import { PortcullisError } from '../../errors/index.js';

export type PolicySource =
  | { readonly kind: 'route'; readonly config: string; readonly route: string }
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'inline'; readonly doc: unknown; readonly file: string };

/** A compiled policy, or the 404 decision's route when the id is unknown. */
export type LoadedPolicy = CompiledPolicy | typeof ROUTE_NOT_FOUND;

const configs = new Map<
  string,
  Promise<{ byId: ReadonlyMap<string, CompiledPolicy>; byFrom: Map<string, CompiledPolicy[]> }>
>();

async function loadConfig(path: string) {
  const loaded = await loadConfigFile(path);
  const byId = compileRoutePolicies(loaded);
  const byFrom = new Map<string, CompiledPolicy[]>();
  for (const r of loaded.config.routes) {
    const from = r.from;
    byFrom.set(from, [...(byFrom.get(from) ?? []), byId.get(r.id)!]);
  }
  return { byId, byFrom };
}

/** Position of a key path in a parsed YAML document (the deepest node that exists). */
function locator(text: string) {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = lines.linePos(e.pos[0]);
    throw new ConfigError([
      {
        code: 'yaml_syntax',
        file: '',
        line: p.line,
        column: p.col,
        path: '',
        message: e.message.split('\n')[0]!,
      },
    ]);
  }
  const locate = (path: readonly (string | number)[]): Position | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null;
      const start = node?.range?.[0];
      if (start !== undefined) {
        const p = lines.linePos(start);
        return { line: p.line, column: p.col };
      }
    }
    return undefined;
  };
  return { doc: doc.toJS({ maxAliasCount: 100 }) as unknown, locate };
}

/** Compiles a PPL document from a file; ConfigError (with positions) when it is invalid. */
export async function loadPolicyFile(file: string): Promise<CompiledPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PortcullisError('CONFIG_NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const { doc, locate } = locator(text);
    return compilePolicyDocument(doc, { file, routeId: file, locate });
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new ConfigError(err.issues.map((i) => ({ ...i, file })));
    }
    throw err;
  }
}

/** The policy a source names. Unknown route ids (and from URLs) give the 404 decision. */
export async function loadPolicy(src: PolicySource): Promise<LoadedPolicy> {
  if (src.kind === 'file') return loadPolicyFile(src.file);
  if (src.kind === 'inline') {
    return compilePolicyDocument(src.doc, { file: src.file, routeId: src.file });
  }
  let cfg = configs.get(src.config);
  if (cfg === undefined) {
    cfg = loadConfig(src.config);
    configs.set(src.config, cfg);
  }
  const { byId, byFrom } = await cfg;
  const hit = byId.get(src.route) ?? byFrom.get(src.route);
  if (hit === undefined) return ROUTE_NOT_FOUND;
  if (Array.isArray(hit)) {
    if (hit.length !== 1) {
      throw new PortcullisError(
        'USAGE',
        `${hit.length} routes have from ${src.route}: give the route id instead`,
      );
    }
    return hit[0]!;
  }
  return hit as CompiledPolicy;
}
