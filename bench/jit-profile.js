#!/usr/bin/env node
// Where the instructions of an in-memory measurement go, down to the instructions of the
// optimized code: valgrind's callgrind counts every executed instruction by address, and
// node's --perf-basic-prof map and --print-opt-code listing say which JavaScript function,
// builtin or instruction each address is. bench/icount.js says whether a change made a
// measurement cheaper; this says where to look.
//
//   node bench/jit-profile.js MEASUREMENT [--passes N] [--function NAME] [--top K]
//   measurements: gcdaParse gcdaWrite gcdaWriteShared gcnoParse gcnoWrite gcnoWriteShared
//
// Prints the instructions per pass of the K (25) costliest functions and builtins. With
// --function, also the optimized code of that function (its costliest compilation) with how
// many times per pass each instruction ran. Counts are of the whole run divided by N (40):
// start-up is included, which matters for "(native)" (valgrind, loading, decompressing the
// fixtures) but hardly for a hot function. Found this way (2026-11-23): a boolean read from an
// object field was tested for truth at every DataView call (about 20 instructions each), and
// every imported constant read in a loop went through its module cell with a check.
//
// Needs valgrind (Debian package "valgrind"); takes a minute or two. Reports, asserts nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IN_MEMORY_MEASUREMENTS } from './lib.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let which;
let passes = 40;
let fn = null;
let top = 25;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--passes') passes = Number(args[++i]);
  else if (args[i] === '--function') fn = args[++i];
  else if (args[i] === '--top') top = Number(args[++i]);
  else if (IN_MEMORY_MEASUREMENTS.includes(args[i])) which = args[i];
  else {
    process.stderr.write(`unknown argument ${args[i]}\n`);
    process.exit(1);
  }
}
if (!which || !(passes > 0)) {
  process.stderr.write(`usage: node bench/jit-profile.js MEASUREMENT [--passes N] [--function NAME] [--top K]\nmeasurements: ${IN_MEMORY_MEASUREMENTS.join(' ')}\n`);
  process.exit(1);
}
if (spawnSync('valgrind', ['--version']).status !== 0) {
  process.stderr.write('bench/jit-profile.js needs valgrind (Debian package "valgrind")\n');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'tarax-jit-'));
const cgOut = join(work, 'callgrind.out');
const child = spawn(
  'valgrind',
  ['--tool=callgrind', '--dump-instr=yes', `--callgrind-out-file=${cgOut}`, process.execPath, '--predictable', '--single-threaded', '--perf-basic-prof', '--print-opt-code', join(repo, 'bench/icount.js'), '--child', repo, which, String(passes)],
  // In the temporary directory: node writes a V8 log (isolate-*-v8.log) into its working directory.
  { stdio: ['ignore', 'pipe', 'pipe'], cwd: work },
);
const code = [];
child.stdout.on('data', (d) => code.push(d));
let err = '';
child.stderr.on('data', (d) => (err += d));
const status = await new Promise((done) => child.on('close', done));
const perfMap = `/tmp/perf-${child.pid}.map`;
try {
  if (status !== 0 || !existsSync(perfMap)) throw new Error(`valgrind exited with ${status}\n${err.slice(-2000)}`);
  report(readFileSync(cgOut, 'utf8'), readFileSync(perfMap, 'utf8'), Buffer.concat(code).toString('utf8'));
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(perfMap, { force: true });
}

function report(callgrind, map, listing) {
  const costs = selfCostByAddress(callgrind);
  const symbols = map
    .trim()
    .split('\n')
    .map((l) => {
      const [start, size, ...name] = l.split(' ');
      return { start: parseInt(start, 16), size: parseInt(size, 16), name: name.join(' ') };
    })
    .sort((a, b) => a.start - b.start);
  const symbolAt = (a) => {
    let lo = 0;
    let hi = symbols.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (symbols[mid].start <= a) lo = mid + 1;
      else hi = mid - 1;
    }
    const s = symbols[hi];
    return s !== undefined && a < s.start + s.size ? s : null;
  };
  const bySymbol = new Map();
  let total = 0;
  for (const [a, c] of costs) {
    const s = symbolAt(a);
    const key = s ? s : null;
    bySymbol.set(key, (bySymbol.get(key) ?? 0) + c);
    total += c;
  }
  const perPass = (c) => (c / passes / 1e6).toFixed(2).padStart(8);
  console.log(`${which}: ${passes} passes, ${(total / 1e6).toFixed(0)} M instructions in all (start-up included); millions per pass:`);
  const rows = [...bySymbol].sort((x, y) => y[1] - x[1]).slice(0, top);
  for (const [s, c] of rows) console.log(`${perPass(c)}  ${s ? s.name.replace(`file://${repo}/`, '') : '(native: valgrind, node, V8 runtime and GC, zlib)'}`);
  if (fn === null) return;

  // The costliest compilation of `fn`, and its instructions from the --print-opt-code listing.
  const compiled = [...bySymbol].filter(([s]) => s && new RegExp(`^JS:\\*${fn} `).test(s.name)).sort((x, y) => y[1] - x[1]);
  if (compiled.length === 0) {
    console.log(`\nno optimized code of ${fn} ran`);
    return;
  }
  const sym = compiled[0][0];
  const instructions = instructionsOf(listing, fn, sym.start);
  console.log(`\n${fn}: optimized code at 0x${sym.start.toString(16)}, ${perPass(compiled[0][1]).trim()} M instructions per pass; times per pass each instruction ran (thousands):`);
  for (let a = sym.start; a < sym.start + sym.size; a++) {
    const c = costs.get(a) ?? 0;
    const text = instructions.get(a);
    if (text === undefined && c === 0) continue;
    console.log(`${(a - sym.start).toString(16).padStart(6)} ${(c / passes / 1e3).toFixed(1).padStart(9)}  ${text ?? '?'}`);
  }
}

/** Self cost (instructions executed) per instruction address, from a callgrind file written with --dump-instr=yes. */
function selfCostByAddress(text) {
  const costs = new Map();
  let addr = 0;
  let callLine = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('calls=')) {
      callLine = true; // the next cost line is the call's inclusive cost: not this address's own
      continue;
    }
    const t = line.split(' ');
    const a = t[0];
    if (a === undefined || a === '') continue;
    if (a.startsWith('0x')) addr = parseInt(a, 16);
    else if (a[0] === '+' || a[0] === '-') addr += (a[0] === '-' ? -1 : 1) * (a[1] === '0' && a[2] === 'x' ? parseInt(a.slice(3), 16) : Number(a.slice(1)));
    else if (a !== '*') continue;
    if (callLine) {
      callLine = false;
      continue;
    }
    // positions: instr line, then one event (Ir)
    const c = Number(t[2]);
    if (Number.isFinite(c)) costs.set(addr, (costs.get(addr) ?? 0) + c);
  }
  return costs;
}

/** The instructions of the listing's optimized code of `name` that starts at `start`, by address. */
function instructionsOf(listing, name, start) {
  let current = null;
  let block = null;
  const blocks = [];
  for (const line of listing.split('\n')) {
    if (line.startsWith('name = ')) current = line.slice(7).trim();
    else if (line.startsWith('Instructions (size')) {
      block = new Map();
      if (current === name) blocks.push(block);
    } else if (block !== null) {
      const m = /^0x([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+(.*)$/.exec(line);
      if (m) block.set(parseInt(m[1], 16), m[2]);
      else if (line.trim() === '' && block.size > 0) block = null;
    }
  }
  // The last compilation printed at that address (code space is reused).
  return blocks.filter((b) => b.has(start)).pop() ?? new Map();
}
