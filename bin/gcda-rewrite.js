#!/usr/bin/env node
// With a directory among the inputs (a tree: likely enough files for a helper thread, see
// IoHelper.threadsFor) the file helper thread is started first: it takes about 0.1 s of CPU
// to start, which then overlaps the loading of the program on the other CPU. Unused (a small
// tree), it costs about 20 ms at exit. Not with -j/--jobs: the helpers are the user's choice.
import { prestartHelperThreads } from '../dist/tree/helper-thread.js';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const args = process.argv.slice(2);
const isDirectory = (a) => {
  try {
    return statSync(a).isDirectory();
  } catch {
    return false; // the program reports it
  }
};
const inputs = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-o' && args[i - 1] !== '--output');
if (availableParallelism() >= 2 && !args.some((a) => /^(-j|--jobs)/.test(a)) && inputs.some(isDirectory)) prestartHelperThreads(1);
const { main } = await import('../dist/cli/gcda-rewrite.js');
process.exitCode = await main(process.argv);
