#!/usr/bin/env node
// In-memory throughput of this checkout's build against another build of tarax, in one
// process, alternating 100 ms rounds of the two. Separate node processes differ by 10-30%
// on the development VMs (the same code, from one process to the next), more than most
// changes; rounds alternated in one process compare them under the same conditions.
//
//   git worktree add /tmp/base HEAD~3 && (cd /tmp/base && npm ci && npx tsc -p .)
//   node bench/compare.js /tmp/base [--rounds 30] [gcdaParse gcdaWrite gcnoParse gcnoWrite]
//
// Reports figures, asserts nothing; not part of the test suite.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const other = args[0];
if (!other || other.startsWith('-')) {
  process.stderr.write('usage: node bench/compare.js OTHER_CHECKOUT [--rounds N] [measurement ...]\n');
  process.exit(1);
}
let rounds = 30;
const wanted = [];
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else wanted.push(args[i]);
}
const A = await import(pathToFileURL(join(resolve(other), 'dist/index.js')).href);
const B = await import(pathToFileURL(join(repo, 'dist/index.js')).href);
const { readTar } = await import(pathToFileURL(join(repo, 'dist/node.js')).href);

const load = (name, ext) =>
  readTar(new Uint8Array(readFileSync(join(repo, 'fixtures/kernel', name))), name).filter((e) => e.type === 'file' && e.path.endsWith(ext));
const sets = { gcda: load('harvest-A.tar.gz', '.gcda'), gcno: load('gcno-subset.tar.gz', '.gcno') };

function pass(lib, which) {
  const set = sets[which.slice(0, 4)];
  if (which.endsWith('Parse')) return () => set.reduce((n, e) => n + (lib.readGcovFile(e.data, e.path) ? 1 : 0), 0);
  const models = set.map((e) => lib.readGcovFile(e.data, e.path));
  return () => models.reduce((n, m) => n + lib.writeGcovFile(m).length, 0);
}

function rate(fn, bytes) {
  let n = 0;
  const t0 = performance.now();
  let el;
  do {
    fn();
    n++;
    el = performance.now() - t0;
  } while (el < 100);
  return (bytes * n) / 1e6 / (el / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
process.stdout.write(`this checkout (${repo}) against ${resolve(other)}, ${rounds} alternating rounds of 100 ms, MB/s of input\n`);
for (const which of wanted.length ? wanted : ['gcdaParse', 'gcdaWrite', 'gcnoParse', 'gcnoWrite']) {
  const bytes = sets[which.slice(0, 4)].reduce((n, e) => n + e.data.length, 0);
  const a = pass(A, which);
  const b = pass(B, which);
  for (let i = 0; i < 5; i++) rate(a, bytes), rate(b, bytes);
  const ra = [];
  const rb = [];
  for (let i = 0; i < rounds; i++) {
    if (i & 1) rb.push(rate(b, bytes)), ra.push(rate(a, bytes));
    else ra.push(rate(a, bytes)), rb.push(rate(b, bytes));
  }
  const wins = rb.filter((x, i) => x > ra[i]).length;
  process.stdout.write(
    `${which.padEnd(10)} other ${median(ra).toFixed(0).padStart(5)}  this ${median(rb).toFixed(0).padStart(5)}  ratio ${(median(rb) / median(ra)).toFixed(2)}  (this faster in ${wins}/${rounds} rounds)\n`,
  );
}
