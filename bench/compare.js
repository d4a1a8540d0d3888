#!/usr/bin/env node
// In-memory throughput of this checkout's build against another build of tarax.
//
// On the development VMs one node process measures the same code 10-30% higher or lower than
// the next (JIT and heap decisions, CPU placement), and two builds loaded into one process
// differ by as much again depending on which was loaded first. So each figure here is the
// median over several processes, started alternately for the two builds (ABAB...), each
// measuring one build: the process-to-process spread is printed with it.
//
//   git worktree add /tmp/base HEAD~3 && (cd /tmp/base && npm ci && npx tsc -p .)
//   node bench/compare.js /tmp/base [--processes 8] [--seconds 1.5] [gcdaParse gcdaWrite gcdaWriteShared gcnoParse gcnoWrite gcnoWriteShared]
//
// Reports figures, asserts nothing; not part of the test suite.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IN_MEMORY_MEASUREMENTS, inMemoryWork } from './lib.js';

const here = fileURLToPath(import.meta.url);
const repo = resolve(dirname(here), '..');
const args = process.argv.slice(2);

if (args[0] === '--child') {
  // node bench/compare.js --child CHECKOUT MEASUREMENT SECONDS: prints one MB/s figure.
  const [, checkout, which, seconds] = args;
  const { bytes, pass } = await inMemoryWork(repo, checkout, which);
  const round = (ms) => {
    let n = 0;
    const t0 = performance.now();
    let el;
    do {
      pass();
      n++;
      el = performance.now() - t0;
    } while (el < ms);
    return (bytes * n) / 1e6 / (el / 1000);
  };
  round(500); // warm-up
  const rates = [];
  for (let i = 0; i < 9; i++) rates.push(round((Number(seconds) * 1000) / 9));
  process.stdout.write(`${rates.sort((a, b) => a - b)[4]}\n`);
  process.exit(0);
}

const other = args[0];
if (!other || other.startsWith('-')) {
  process.stderr.write('usage: node bench/compare.js OTHER_CHECKOUT [--processes N] [--seconds S] [measurement ...]\n');
  process.exit(1);
}
let processes = 8;
let seconds = 1.5;
const wanted = [];
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--processes') processes = Number(args[++i]);
  else if (args[i] === '--seconds') seconds = Number(args[++i]);
  else wanted.push(args[i]);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const measure = (checkout, which) => {
  const r = spawnSync(process.execPath, [here, '--child', resolve(checkout), which, String(seconds)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${checkout} ${which}: ${r.stderr}`);
  return Number(r.stdout.trim());
};
process.stdout.write(`this checkout (${repo}) against ${resolve(other)}: ${processes} processes each, alternating; median MB/s of input (min..max over processes)\n`);
for (const which of wanted.length ? wanted : IN_MEMORY_MEASUREMENTS) {
  const ra = [];
  const rb = [];
  for (let i = 0; i < processes; i++) {
    ra.push(measure(other, which));
    rb.push(measure(repo, which));
  }
  const span = (r) => `${Math.min(...r).toFixed(0)}..${Math.max(...r).toFixed(0)}`;
  process.stdout.write(
    `${which.padEnd(10)} other ${median(ra).toFixed(0).padStart(5)} (${span(ra)})  this ${median(rb).toFixed(0).padStart(5)} (${span(rb)})  ratio ${(median(rb) / median(ra)).toFixed(2)}\n`,
  );
}
