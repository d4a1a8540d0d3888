#!/usr/bin/env node
// In-memory parse and write of this checkout's build, and optionally another build, counted
// by valgrind's cachegrind instead of timed: instructions, first-level data-cache misses and
// last-level misses per pass over the fixtures, and an estimate of cycles from them.
//
// On the development VMs the wall time of the same code moves by a factor of 1.5 to 3 from
// one second to the next (the host), so a 5% change cannot be seen with bench/compare.js
// without dozens of processes. Counts move far less: node runs with --predictable and
// --single-threaded (no concurrent GC or compiler threads), and each figure is the difference
// between a run of N1 passes and a run of N2 passes, divided by N2 - N1, so start-up, loading
// and warm-up cancel out. Parse counts repeated to within 0.1% (34.37 and 34.35 M); write
// counts, whose passes make garbage for the old generation, moved by up to 5% with 20 and 40
// passes (once 20%), depending on where the full collections fall: use 20 and 80 for them. What the counts miss is the time a
// cache miss really costs on the machine; the estimate charges 10 cycles for each
// first-level miss and 100 for each last-level miss, as cachegrind's documentation suggests.
//
//   node bench/icount.js [OTHER_CHECKOUT] [--passes N1,N2] [measurement ...]
//   measurements: gcdaParse gcdaWrite gcdaWriteShared gcnoParse gcnoWrite gcnoWriteShared
//
// Needs valgrind (Debian package "valgrind"); about a minute a measurement and build, two at
// a time. Reports figures, asserts nothing; not part of the test suite.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IN_MEMORY_MEASUREMENTS, inMemoryWork } from './lib.js';

const here = fileURLToPath(import.meta.url);
const repo = resolve(dirname(here), '..');
const args = process.argv.slice(2);

if (args[0] === '--child') {
  // node bench/icount.js --child CHECKOUT MEASUREMENT PASSES: does the work PASSES times.
  const [, checkout, which, passes] = args;
  const { pass } = await inMemoryWork(repo, checkout, which);
  let sink = 0;
  for (let p = 0; p < Number(passes); p++) sink += pass();
  process.stdout.write(`${sink}\n`);
  process.exit(0);
}

if (spawnSync('valgrind', ['--version']).status !== 0) {
  process.stderr.write('bench/icount.js needs valgrind (Debian package "valgrind")\n');
  process.exit(1);
}
let passes = [20, 40];
const checkouts = [repo];
const wanted = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--passes') passes = args[++i].split(',').map(Number);
  else if (IN_MEMORY_MEASUREMENTS.includes(args[i])) wanted.push(args[i]);
  else checkouts.push(resolve(args[i]));
}
if (passes.length !== 2 || !(passes[1] > passes[0])) {
  process.stderr.write('--passes N1,N2 with N2 > N1\n');
  process.exit(1);
}

/** One cachegrind run: {ir, d1, ll} for the whole process. */
function count(checkout, which, n) {
  return new Promise((done, fail) => {
    const argv = ['--tool=cachegrind', '--cache-sim=yes', '--cachegrind-out-file=/dev/null', process.execPath, '--predictable', '--single-threaded', here, '--child', checkout, which, String(n)];
    const p = spawn('valgrind', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const num = (label) => Number((err.match(new RegExp(`${label}:\\s+([\\d,]+)`)) ?? [])[1]?.replace(/,/g, '') ?? NaN);
      const r = { ir: num('I\\s+refs'), d1: num('D1\\s+misses'), ll: num('LLd\\s+misses') };
      if (code !== 0 || Number.isNaN(r.ir)) fail(new Error(`${checkout} ${which} ${n}: exit ${code}\n${err.slice(-2000)}`));
      else done(r);
    });
  });
}

/** Runs the jobs two at a time (the machines have two CPUs; valgrind uses one). */
async function twoAtATime(jobs) {
  const out = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all([lane(), lane()]);
  return out;
}

// By default not the shared writes: a minute each per build.
const measurements = wanted.length ? wanted : IN_MEMORY_MEASUREMENTS.filter((m) => !m.endsWith('Shared'));
const cases = measurements.flatMap((which) => checkouts.map((checkout) => ({ which, checkout })));
const counts = await twoAtATime(cases.flatMap((c) => passes.map((n) => () => count(c.checkout, c.which, n))));
const M = (x) => (x / 1e6).toFixed(2);
process.stdout.write(`per pass, the difference of ${passes[1]} and ${passes[0]} passes (millions; est = Ir + 10 D1 + 100 LL)\n`);
process.stdout.write('| measurement | build | Ir | D1 misses | LL misses | est |\n| --- | --- | --- | --- | --- | --- |\n');
cases.forEach((c, i) => {
  const [a, b] = [counts[2 * i], counts[2 * i + 1]];
  const k = passes[1] - passes[0];
  const ir = (b.ir - a.ir) / k;
  const d1 = (b.d1 - a.d1) / k;
  const ll = (b.ll - a.ll) / k;
  c.est = ir + 10 * d1 + 100 * ll;
  const ratio = c.checkout === repo ? '' : ` (other / this: ${(c.est / cases[i - checkouts.indexOf(c.checkout)].est).toFixed(3)})`;
  process.stdout.write(`| ${c.which} | ${c.checkout === repo ? 'this' : c.checkout} | ${M(ir)} | ${M(d1)} | ${M(ll)} | ${M(c.est)}${ratio} |\n`);
});
