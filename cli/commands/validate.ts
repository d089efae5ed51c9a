// `portcullis validate -c FILE`: exit 0 with a one-line summary when the config is valid, exit 1
// with every problem as `file:line:column: path: message`, exit 2 on a usage error. `--format json`
// prints one JSON document with the same problems and warnings (positions as fields) instead.
import { readFile } from 'node:fs/promises';
import { stderr, stdout } from 'node:process';
import {
  ConfigError,
  type ConfigIssue,
  describeKeyStatus,
  formatConfigIssues,
  type KeyStatus,
  loadConfigFile,
} from '../../config/index.js';
import { PortcullisError } from '../../errors/index.js';
import { describeRefusal } from '../lib/prepare-reload.js';
import { reportCommandError } from '../lib/report-command-error.js';
import { prepareForValidate } from '../lib/validate-preparers.js';
import type { Command } from '../main.js';
import { VALIDATE_CHECKS } from './validate-checks.js';

const HELP = `Usage: portcullis validate -c FILE [--compat] [--allow-unknown-keys] [--format text|json]

Checks a configuration file (YAML or JSON) and the environment overrides that apply to it, then
runs the prepare phase of every service the config starts (the same one \`start\` and a reload
run). Prints every problem with file:line:column and key path. Keys Pomerium knows that
Portcullis does not implement are warnings; keys nobody knows are errors.

Options:
  -c, --config FILE      configuration file
  --compat               first print each key's status for a Pomerium config: implemented,
                         difference, warned, removed or unknown
  --allow-unknown-keys   keys nobody knows are warnings instead of errors
  --format json          print {file, valid, routes, problems, warnings} as JSON on stdout
                         (each problem: code, file, line, column, path, message)
  -h, --help             show this help

Exit codes: 0 valid, 1 invalid, 2 usage error.
`;

interface ValidateArgs {
  readonly file: string;
  readonly compat: boolean;
  readonly allowUnknownKeys: boolean;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): ValidateArgs | { error: string } | 'help' {
  let file: string | undefined;
  let compat = false;
  let allowUnknownKeys = false;
  let format = 'text';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--compat') compat = true;
    else if (a === '--format' || a.startsWith('--format=')) {
      const v = a === '--format' ? args[++i] : a.slice('--format='.length);
      if (v !== 'text' && v !== 'json') return { error: '--format must be text or json' };
      format = v;
    } else if (a === '--allow-unknown-keys') allowUnknownKeys = true;
    else if (a === '-c' || a === '--config') {
      file = args[++i];
      if (file === undefined) return { error: `${a} needs a value` };
    } else if (a.startsWith('--config=')) file = a.slice('--config='.length);
    else return { error: `unknown option '${a}'` };
  }
  if (file === undefined) return { error: 'give the configuration file with -c FILE' };
  if (compat && format === 'json')
    return { error: '--compat prints a table: use it without --format json' };
  return { file, compat, allowUnknownKeys, json: format === 'json' };
}

async function printCompat(file: string): Promise<void> {
  let statuses: KeyStatus[];
  try {
    statuses = describeKeyStatus(await readFile(file, 'utf8'));
  } catch {
    return; // unreadable or not YAML: the validation below says why
  }
  const width = Math.max(3, ...statuses.map((s) => s.key.length));
  stdout.write(`${'key'.padEnd(width)}  status       note\n`);
  for (const s of statuses) {
    stdout.write(`${s.key.padEnd(width)}  ${s.status.padEnd(11)}  ${s.note}\n`.trimEnd() + '\n');
  }
  const count = (k: KeyStatus['status']) => statuses.filter((s) => s.status === k).length;
  stdout.write(
    `${count('implemented')} implemented, ${count('difference')} with a deliberate difference, ${count('warned')} warned, ${count('removed')} removed, ${count('unknown')} unknown\n`,
  );
}

/** A problem as JSON: the issue's fields, or a refusal's code and message without a position. */
type JsonProblem = Pick<ConfigIssue, 'file' | 'line' | 'column' | 'path' | 'message'> & {
  readonly code: string;
};

function jsonIssue(i: ConfigIssue): JsonProblem {
  return {
    code: i.code,
    file: i.file,
    line: i.line,
    column: i.column,
    path: i.path,
    message: i.message,
  };
}

function printJson(report: {
  file: string;
  valid: boolean;
  routes: number | null;
  problems: JsonProblem[];
  warnings: JsonProblem[];
}): void {
  stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

const command: Command = {
  summary: 'check a configuration file and print every problem with its position',
  async run(args) {
    const parsed = parseArgs(args);
    if (parsed === 'help') {
      stdout.write(HELP);
      return 0;
    }
    if ('error' in parsed) {
      stderr.write(`portcullis validate: ${parsed.error}\n\n${HELP}`);
      return 2;
    }
    if (parsed.compat) await printCompat(parsed.file);
    try {
      const loaded = await loadConfigFile(parsed.file, {
        allowUnknownKeys: parsed.allowUnknownKeys,
      });
      const issues: ConfigIssue[] = [];
      for (const check of VALIDATE_CHECKS) issues.push(...(await check(loaded)));
      if (issues.length > 0) throw new ConfigError(issues);
      // The prepare phase of every service the config starts: exactly what start and a reload run.
      const prepared = prepareForValidate(loaded, { envoyChecked: true });
      const warnings = loaded.warnings.map(jsonIssue);
      if (!prepared.ok && parsed.json) {
        const { code } = prepared.refusal;
        const problem = {
          code,
          file: parsed.file,
          line: 0,
          column: 0,
          path: '',
          message: describeRefusal(prepared.refusal),
        };
        printJson({ file: parsed.file, valid: false, routes: null, problems: [problem], warnings });
        return 1;
      }
      if (parsed.json) {
        const routes = loaded.config.routes.length;
        printJson({ file: parsed.file, valid: true, routes, problems: [], warnings });
        return 0;
      }
      if (!prepared.ok) {
        stderr.write(`${parsed.file}: ${describeRefusal(prepared.refusal)}\n1 problem found\n`);
        return 1;
      }
      for (const w of loaded.warnings) stderr.write(`warning: ${formatConfigIssues([w])}\n`);
      const n = loaded.config.routes.length;
      const verdict = parsed.compat ? ' — it will run' : '';
      stdout.write(`${parsed.file}: valid (${n} route${n === 1 ? '' : 's'})${verdict}\n`);
      return 0;
    } catch (err) {
      if (err instanceof ConfigError && parsed.json) {
        const problems = err.issues.map(jsonIssue);
        printJson({ file: parsed.file, valid: false, routes: null, problems, warnings: [] });
        return 1;
      }
      if (err instanceof PortcullisError && parsed.json) {
        const problem = {
          code: err.code,
          file: parsed.file,
          line: 0,
          column: 0,
          path: '',
          message: err.message,
        };
        printJson({
          file: parsed.file,
          valid: false,
          routes: null,
          problems: [problem],
          warnings: [],
        });
        return 1;
      }
      return reportCommandError(err, 'validate', {
        afterIssues: (n) => `${n} problem${n === 1 ? '' : 's'} found`,
      });
    }
  },
};
export default command;
