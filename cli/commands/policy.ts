// `portcullis policy eval|test`: offline policy decisions and policy tests (docs/architecture.md
// "Contracts"). Exit codes: 0 ok, 1 a test failed or the config/policy/input is invalid, 2 usage.
import { runSubcommand } from '../lib/run-subcommand.js';
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
  run: (args) =>
    runSubcommand(
      'policy',
      HELP,
      {
        eval: { run: runEval, help: EVAL_HELP },
        test: { run: runTest, help: TEST_HELP },
      },
      args,
    ),
};
export default command;
