#!/usr/bin/env node
// `npm start`'s build: runs `tsc -p .` and says what it is doing while it works (tsc prints
// nothing until it is done, which takes most of a minute on a small machine): a line when it
// starts, the elapsed time every few seconds (one updating line on a terminal), then how long it
// took. Exits with tsc's status; tsc's own errors are passed through untouched.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { stderr } from 'node:process';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();
const seconds = () => Math.round((Date.now() - started) / 1000);
const tty = stderr.isTTY === true;
stderr.write('[portcullis] building with tsc (first build takes up to a minute)…\n');
const ticker = setInterval(
  () => {
    if (tty) stderr.write(`\r[portcullis] building… ${seconds()}s`);
    else stderr.write(`[portcullis] still building… ${seconds()}s\n`);
  },
  tty ? 1000 : 5000,
);
const child = spawn(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  clearInterval(ticker);
  if (tty) stderr.write('\r\x1b[K');
  if (code === 0) stderr.write(`[portcullis] built in ${seconds()}s\n`);
  else stderr.write(`[portcullis] build failed (${signal ?? `exit ${code}`})\n`);
  process.exit(code ?? 1);
});
