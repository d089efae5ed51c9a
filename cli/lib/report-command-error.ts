// How a subcommand reports a failure it expected: a refused configuration as its positioned
// issues, any other PortcullisError as one line naming the command; exit status 1. Anything else
// is a bug and is thrown on (main.ts prints it with its stack).
import { stderr } from 'node:process';
import { ConfigError, formatConfigIssues } from '../../config/index.js';
import { PortcullisError } from '../../errors/index.js';

export interface ReportOptions {
  /** A line after a refused configuration's issues (e.g. "3 problems found"). */
  readonly afterIssues?: (count: number) => string;
  /** Also report a missing file (ENOENT) as an expected failure. */
  readonly missingFile?: boolean;
}

/** Writes the report for `err` and returns 1, or throws `err` when it is not an expected failure. */
export function reportCommandError(err: unknown, command: string, options: ReportOptions = {}): 1 {
  if (err instanceof ConfigError) {
    const after = options.afterIssues?.(err.issues.length);
    stderr.write(`${formatConfigIssues(err.issues)}\n${after === undefined ? '' : `${after}\n`}`);
    return 1;
  }
  if (
    err instanceof PortcullisError ||
    (options.missingFile === true && (err as NodeJS.ErrnoException)?.code === 'ENOENT')
  ) {
    stderr.write(`portcullis ${command}: ${(err as Error).message}\n`);
    return 1;
  }
  throw err;
}
