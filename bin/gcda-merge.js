#!/usr/bin/env node
// Relaunch with a small young generation (see bin/gcda-summarize.js): the accumulation stays
// in memory while each input is read, and short-lived garbage would otherwise add tens of MiB.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const FLAG = '--max-semi-space-size=1';
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) && !process.env.TARAX_NO_RELAUNCH) {
  const r = spawnSync(process.execPath, [...process.execArgv, FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.error) throw r.error;
  process.exit(r.status ?? 128 + (constants.signals[r.signal] ?? 0));
}
const { main } = await import('../dist/cli/gcda-merge.js');
process.exitCode = await main(process.argv);
