#!/usr/bin/env -S node --max-semi-space-size=2
// A harvest's files stay in memory between the two passes; V8's default young generation
// (up to 3 x 16 MiB) then adds tens of MiB of peak memory for garbage that dies young
// (the flag cannot be changed once V8 runs: v8.setFlagsFromString has no effect on it).
// 2 MiB semi-spaces kept the 20,424-file tree at 141 MiB (16: 169 MiB) with no loss of speed;
// 1 MiB slowed start-up (module loading) by about 20 ms and the tree by a tenth. Run as a
// command (the shebang), node starts with it. Run as `node bin/gcda-summarize.js`, it does
// not, and starting node again costs about 0.15 s: so relaunch with it only for inputs large
// enough for the difference to matter.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FLAG = '--max-semi-space-size=2';
/** Inputs above this many bytes (or files) are large: relaunch. */
const LARGE_BYTES = 32 << 20;
const LARGE_FILES = 4000;

/** Whether the arguments name more than LARGE_* of input; stops counting as soon as they do. */
function largeInput(args) {
  let bytes = 0;
  let files = 0;
  const pending = [];
  for (const a of args) {
    if (a.startsWith('-')) continue; // options and their values: a value that names a directory only adds to the count
    pending.push(a);
  }
  while (pending.length > 0) {
    const p = pending.pop();
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // the program reports it
    }
    if (st.isFile()) {
      bytes += p.endsWith('.gz') ? 8 * st.size : st.size;
      files++;
    } else if (st.isDirectory()) {
      let names;
      try {
        names = readdirSync(p, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const d of names) {
        if (d.isDirectory()) pending.push(join(p, d.name));
        else if (++files > LARGE_FILES) return true;
      }
    }
    if (bytes > LARGE_BYTES || files > LARGE_FILES) return true;
  }
  return false;
}

const args = process.argv.slice(2);
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) && !process.env.TARAX_NO_RELAUNCH && largeInput(args)) {
  if (process.env.TARAX_DEBUG) process.stderr.write(`gcda-summarize: large input: relaunching node with ${FLAG}\n`);
  const r = spawnSync(process.execPath, [...process.execArgv, FLAG, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
  if (r.error) throw r.error;
  process.exit(r.status ?? 128 + (constants.signals[r.signal] ?? 0));
}
const { main } = await import('../dist/cli/gcda-summarize.js');
process.exitCode = await main(process.argv);
