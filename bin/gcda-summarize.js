#!/usr/bin/env node
// A harvest's files stay in memory between the two passes; V8's default young generation
// (up to 3 x 16 MiB) then adds tens of MiB of peak memory for garbage that dies young.
// A small one costs a few percent of CPU time: relaunch with it unless already set.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const FLAG = '--max-semi-space-size=1';
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) && !process.env.TARAX_NO_RELAUNCH) {
  const r = spawnSync(process.execPath, [...process.execArgv, FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.error) throw r.error;
  process.exit(r.status ?? 128 + (constants.signals[r.signal] ?? 0));
}
const { main } = await import('../dist/cli/gcda-summarize.js');
process.exitCode = await main(process.argv);
