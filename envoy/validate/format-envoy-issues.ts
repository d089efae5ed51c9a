// One line per issue, the route first when there is one: `file:line:col: routes[3] (id): …`.
import type { EnvoyIssue } from '../types.js';

export function formatEnvoyIssues(issues: readonly EnvoyIssue[]): string {
  return issues
    .map((i) => {
      const r = i.route;
      const pos =
        r?.position === undefined
          ? ''
          : `${r.position.file}:${r.position.line}:${r.position.column}: `;
      const where = r === undefined ? '' : `${r.path} (route ${r.id}): `;
      const field = i.field === '' ? '' : ` ${i.field}`;
      return `${pos}${where}${i.code}: ${i.resource}${field}: ${i.message}`;
    })
    .join('\n');
}
