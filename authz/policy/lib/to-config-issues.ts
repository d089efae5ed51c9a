// Policy problems become positioned `invalid_policy` config issues (file:line:column + key path).
import { type ConfigIssue, formatPath, type Position } from '../../../config/index.js';
import type { PolicyProblem } from './criterion.js';

export type Locate = (path: readonly (string | number)[]) => Position | undefined;

export function toConfigIssues(
  problems: readonly PolicyProblem[],
  file: string,
  locate: Locate | undefined,
): ConfigIssue[] {
  return problems
    .map((p): ConfigIssue => {
      const pos = locate?.(p.pos ?? p.path);
      return {
        code: 'invalid_policy',
        file,
        line: pos?.line ?? 0,
        column: pos?.column ?? 0,
        path: formatPath(p.path),
        message: p.message,
      };
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
