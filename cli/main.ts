#!/usr/bin/env node
// The `portcullis` command: dispatches to one module per subcommand (cli/commands/*.ts).
// Exit codes: 0 ok, 1 invalid input, 2 usage error.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { argv, exit, stderr, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { AUTHZ_WORKER_ARG, setCliEntry } from './lib/cli-entry.js';
import { enableCompileCache } from './lib/compile-cache.js';

export interface Command {
  /** One line shown in `portcullis --help`. */
  readonly summary: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** Subcommands, loaded lazily so `portcullis validate` does not load the gRPC stack. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {};

export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  commands[name] = { summary, load };
}

/** The version in the package.json of this installation (from cli/ or dist/cli/). */
export function portcullisVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length), 4);
  const lines = Object.entries(commands).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`,
  );
  return [
    'Usage: portcullis <command> [options]',
    '',
    'Identity-aware access proxy for Envoy (Pomerium-compatible).',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `portcullis <command> --help` for the options of one command;',
    '`portcullis --version` prints the version.',
    '',
  ].join('\n');
}

export async function main(args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  // zod without generated code: its object parsers are compiled with `new Function` on first
  // use, which costs a process that parses one config more than it saves (config load at start
  // 52 -> 37-41 ms of CPU; `validate` of 20,000 routes within noise: docs/performance.md).
  z.config({ jitless: true });
  // A process forked by authz-workers.ts (it has their IPC channel); never a user's command.
  if (name === AUTHZ_WORKER_ARG && process.send !== undefined) {
    (await import('./lib/authz-worker-main.js')).runAuthzWorker();
    return 0;
  }
  await import('./commands/index.js');
  if (name === '--version' || name === '-v') {
    stdout.write(`portcullis ${portcullisVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? stderr : stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    stderr.write(`portcullis: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command.run(rest);
}

/**
 * Runs the command line of this process and sets its exit code; `entryFile` is the file Node
 * started (forked processes run it again: cli/lib/cli-entry.ts). The caller has enabled the
 * compile cache first: cli/portcullis.ts (the shipped entry) or the check below.
 */
export function runCommandLine(entryFile: string): void {
  setCliEntry(entryFile);
  main(argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      stderr.write(
        `portcullis: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      exit(1);
    },
  );
}

function isEntryPoint(): boolean {
  try {
    return argv[1] !== undefined && realpathSync(argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// `node dist/cli/main.js` (the unbundled tree); the shipped entry is cli/portcullis.ts.
if (isEntryPoint()) {
  // Before the commands load (main imports them lazily): they compile from the cache.
  enableCompileCache();
  runCommandLine(fileURLToPath(import.meta.url));
}
