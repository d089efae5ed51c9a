// `portcullis validate -c FILE`: exit 0 with a one-line summary when the config is valid, exit 1
// with every problem as `file:line:column: path: message`, exit 2 on a usage error.
import { stderr, stdout } from 'node:process';
import {
  ConfigError,
  type ConfigIssue,
  formatConfigIssues,
  loadConfigFile,
  PortcullisError,
} from '../../config/index.js';
import { describeRefusal } from '../lib/prepare-reload.js';
import { prepareForValidate } from '../lib/validate-preparers.js';
import type { Command } from '../main.js';
import { VALIDATE_CHECKS } from './validate-checks.js';

const HELP = `Usage: portcullis validate -c FILE

Checks a configuration file (YAML or JSON) and the environment overrides that apply to it, then
runs the prepare phase of every service the config starts (the same one \`start\` and a reload
run). Prints every problem with file:line:column and key path.

Options:
  -c, --config FILE   configuration file
  -h, --help          show this help

Exit codes: 0 valid, 1 invalid, 2 usage error.
`;

function parseArgs(args: readonly string[]): string | { error: string } | 'help' {
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') return 'help';
    if (a === '-c' || a === '--config') {
      file = args[++i];
      if (file === undefined) return { error: `${a} needs a value` };
    } else if (a.startsWith('--config=')) file = a.slice('--config='.length);
    else return { error: `unknown option '${a}'` };
  }
  return file ?? { error: 'give the configuration file with -c FILE' };
}

const command: Command = {
  summary: 'check a configuration file and print every problem with its position',
  async run(args) {
    const parsed = parseArgs(args);
    if (parsed === 'help') {
      stdout.write(HELP);
      return 0;
    }
    if (typeof parsed !== 'string') {
      stderr.write(`portcullis validate: ${parsed.error}\n\n${HELP}`);
      return 2;
    }
    try {
      const loaded = await loadConfigFile(parsed);
      const issues: ConfigIssue[] = [];
      for (const check of VALIDATE_CHECKS) issues.push(...(await check(loaded)));
      if (issues.length > 0) throw new ConfigError(issues);
      // The prepare phase of every service the config starts: exactly what start and a reload run.
      const prepared = prepareForValidate(loaded);
      if (!prepared.ok) {
        stderr.write(`${parsed}: ${describeRefusal(prepared.refusal)}\n1 problem found\n`);
        return 1;
      }
      for (const w of loaded.warnings) stderr.write(`warning: ${formatConfigIssues([w])}\n`);
      const n = loaded.config.routes.length;
      stdout.write(`${parsed}: valid (${n} route${n === 1 ? '' : 's'})\n`);
      return 0;
    } catch (err) {
      if (err instanceof ConfigError) {
        const n = err.issues.length;
        stderr.write(
          `${formatConfigIssues(err.issues)}\n${n} problem${n === 1 ? '' : 's'} found\n`,
        );
        return 1;
      }
      if (err instanceof PortcullisError) {
        stderr.write(`portcullis validate: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
export default command;
