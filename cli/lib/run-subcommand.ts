// Commands made of subcommands (`policy eval|test`, `token verify`) share one dispatcher: help,
// usage errors (exit 2), config errors with positions and other Portcullis errors (exit 1).
import { stderr, stdout } from 'node:process';
import { reportCommandError } from './report-command-error.js';

/** One subcommand: its run (an exit code, or a usage problem) and its own help text. */
export interface Subcommand {
  run(args: readonly string[]): Promise<number | { usage: string }>;
  readonly help: string;
}

/** Runs `portcullis <command> <sub> …`; `help` lists the subcommands. */
export async function runSubcommand(
  command: string,
  help: string,
  subs: Readonly<Record<string, Subcommand>>,
  args: readonly string[],
): Promise<number> {
  const [name, ...rest] = args;
  if (name === '-h' || name === '--help') {
    stdout.write(help);
    return 0;
  }
  const sub = name === undefined || !Object.hasOwn(subs, name) ? undefined : subs[name];
  if (sub === undefined) {
    const give = `give ${Object.keys(subs).join(' or ')}`;
    stderr.write(
      `portcullis ${command}: ${name === undefined ? give : `unknown subcommand '${name}'`}\n\n${help}`,
    );
    return 2;
  }
  try {
    const code = await sub.run(rest);
    if (typeof code === 'number') return code;
    stderr.write(`portcullis ${command} ${name}: ${code.usage}\n\n${sub.help}`);
    return 2;
  } catch (err) {
    return reportCommandError(err, `${command} ${name}`);
  }
}
