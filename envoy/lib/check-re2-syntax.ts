// Route regexes run in RE2: the rules live in config/lib/re2-syntax.ts (one home); here they are
// applied with Envoy's program-size limit so a route is refused with its name instead of NACKed.
import { ENVOY_RE2_MAX_PROGRAM_SIZE, re2Problem as problem } from '../../config/index.js';

/** Why `pattern` is not an RE2 regex Envoy accepts, or undefined. */
export function re2Problem(pattern: string): string | undefined {
  return problem(pattern, ENVOY_RE2_MAX_PROGRAM_SIZE);
}
