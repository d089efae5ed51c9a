// `portcullis policy eval|test`: offline policy decisions and policy tests (docs/architecture.md
// "Contracts"). Exit codes: 0 ok, 1 a test failed or the config/policy/input is invalid, 2 usage.
import { stderr, stdout } from 'node:process';
import { ConfigError, formatConfigIssues, PortcullisError } from '../../config/index.js';
import type { Command } from '../main.js';
import { EVAL_HELP, runEval } from './policy-eval.js';
import { runTest, TEST_HELP } from './policy-test.js';

const HELP = `Usage: portcullis policy <eval|test> [options]

  eval   decide one request offline and print the decision as JSON
  test   run policy test files (cases with expected outcomes)

Run \`portcullis policy eval --help\` or \`portcullis policy test --help\` for the options.
`;

const command: Command = {
  summary: 'decide requests offline (policy eval) and run policy tests (policy test)',
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === '-h' || sub === '--help') {
      stdout.write(HELP);
      return 0;
    }
    const run = sub === 'eval' ? runEval : sub === 'test' ? runTest : undefined;
    if (run === undefined) {
      stderr.write(
        `portcullis policy: ${sub === undefined ? 'give eval or test' : `unknown subcommand '${sub}'`}\n\n${HELP}`,
      );
      return 2;
    }
    try {
      const code = await run(rest);
      if (typeof code === 'number') return code;
      stderr.write(
        `portcullis policy ${sub}: ${code.usage}\n\n${sub === 'eval' ? EVAL_HELP : TEST_HELP}`,
      );
      return 2;
    } catch (err) {
      if (err instanceof ConfigError) {
        stderr.write(`${formatConfigIssues(err.issues)}\n`);
        return 1;
      }
      if (err instanceof PortcullisError) {
        stderr.write(`portcullis policy ${sub}: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
export default command;
