#!/usr/bin/env node
// Benchmark for tarax: reports figures, never asserts on them. Not part of the test suite.
//
//   node bench/run.js [--files N] [--keep] [--in-memory]
//
// See bench/README.md for what is measured and how.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGcovFile, writeGcovFile } from '../dist/index.js';
import { readTar } from '../dist/node.js';
import { freshOutput, IN_MEMORY_MEASUREMENTS, inMemoryWork, settle } from './lib.js';

const benchStarted = performance.now();
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const HARVEST = join(repo, 'fixtures/kernel/harvest-A.tar.gz');
const GCNO_SUBSET = join(repo, 'fixtures/kernel/gcno-subset.tar.gz');
const REWRITE_BIN = join(repo, 'bin/gcda-rewrite.js');
const DUMP_BIN = join(repo, 'bin/gcda-dump.js');
const GCOV_DUMP = 'gcov-dump-12';
const TIME_BIN = '/usr/bin/time';
// Bytes of command line per xargs batch, the same for both dump tools: about 10,000 paths, so
// a few processes for the whole tree (Linux allows 2 MiB of arguments and environment).
const BATCH = 1000000;
const MB = 1e6; // MB/s means 10^6 bytes per second

// ---------------------------------------------------------------- arguments
function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write('usage: node bench/run.js [--files N] [--keep] [--in-memory] [--processes N]\n');
  process.exit(2);
}
let targetFiles = 20000;
let keep = false;
let inMemoryOnly = false; // --in-memory: the in-memory throughput only (section 2), then stop
let processes = 3; // --processes: node processes the in-memory throughput is measured in
let inMemoryChild = null; // (internal) --in-memory-child MEASUREMENT: measure it, print the result as JSON, stop
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--keep') keep = true;
    else if (a === '--in-memory') inMemoryOnly = true;
    else if (a === '--in-memory-child') inMemoryChild = args[++i];
    else if (a === '--processes') {
      const v = args[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) usage(`--processes needs a positive integer, got ${v}`);
      processes = Number(v);
    }
    else if (a === '--files' || a.startsWith('--files=')) {
      const v = a === '--files' ? args[++i] : a.slice('--files='.length);
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) usage(`--files needs a positive integer, got ${v}`);
      targetFiles = Number(v);
    } else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
}

// ---------------------------------------------------------------- helpers
const log = (s = '') => inMemoryChild !== null || process.stdout.write(s + '\n');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const rssText = (kib) => (kib === null || kib === undefined ? 'n/a' : `${kib} KiB`);
const fmtBytes = (n) => `${n.toLocaleString('en-US')} bytes (${(n / MB).toFixed(1)} MB)`;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function cpuModel() {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) return m[1].trim();
  } catch {}
  return cpus()[0]?.model ?? 'unknown';
}

function nproc() {
  const r = spawnSync('nproc', { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : cpus().length;
}

const haveTime = (() => {
  if (!existsSync(TIME_BIN)) return false;
  const r = spawnSync(TIME_BIN, ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+\s*$/.test(r.stderr.trim().split('\n').pop() ?? '');
})();

let tmpRoot = null;

/**
 * Runs a command with stdout to /dev/null, returns wall seconds and max RSS (KiB, from
 * /usr/bin/time -f %M; for an xargs pipeline this is the largest RSS of xargs and every child
 * it waited for, because wait4() reports the maximum over the waited-for descendants too).
 */
function runMeasured(argv, label) {
  let cmd = argv;
  let rssFile = null;
  if (haveTime) {
    rssFile = join(tmpRoot, 'rss.txt');
    cmd = [TIME_BIN, '-f', '%M', '-o', rssFile, ...argv];
  }
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const secs = (performance.now() - t0) / 1000;
  if (r.error) throw new Error(`${label}: ${r.error.message}`);
  if (r.status !== 0) {
    const err = r.stderr.toString().split('\n').slice(0, 10).join('\n');
    throw new Error(`${label}: exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n${err}`);
  }
  let rssKiB = null;
  if (rssFile) {
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    const v = Number(lines[lines.length - 1]);
    rssKiB = Number.isFinite(v) ? v : null;
  }
  return { secs, rssKiB, stderr: r.stderr.toString() };
}


/**
 * In-memory throughput of several measurements, each `{ name, bytes, pass }` where `pass()`
 * processes `bytes` input bytes once. Each is warmed up, then `rounds` rounds are timed in
 * which every measurement runs for at least `roundSecs` in turn (interleaved): the host of
 * the development VMs has slow periods of several seconds, which measurements run one after
 * the other (as before 2026-11-23) took whole, so that one figure of a run could be half
 * another's for the same code. Returns each measurement's median round in MB/s and the spread.
 */
let sink = 0; // keeps the passes' results alive so the work is not optimised away
function throughputs(specs, { warmupSecs = 0.6, rounds = 9, roundSecs = 0.3 } = {}) {
  for (const { pass } of specs) {
    const t0 = performance.now();
    for (let warm = 0; performance.now() - t0 < warmupSecs * 1000 || warm < 3; warm++) sink += pass();
  }
  const rates = specs.map(() => []);
  const timed = specs.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    specs.forEach(({ bytes, pass }, k) => {
      let passes = 0;
      const t0 = performance.now();
      let el;
      do {
        sink += pass();
        passes++;
        el = performance.now() - t0;
      } while (el < roundSecs * 1000);
      rates[k].push((bytes * passes) / MB / (el / 1000));
      timed[k] += el / 1000;
    });
  }
  if (sink === -1) log('unreachable');
  return specs.map(({ name }, k) => {
    const res = { mbPerSec: median(rates[k]), min: Math.min(...rates[k]), max: Math.max(...rates[k]), rounds, timedSecs: timed[k] };
    log(`  ${name.padEnd(36)} median ${fmt(res.mbPerSec)} MB/s  (rounds ${fmt(res.min)}..${fmt(res.max)}, ${rounds} rounds, ${timed[k].toFixed(1)} s timed)`);
    return res;
  });
}

// ---------------------------------------------------------------- in-memory work (section 2)
const LABELS = { gcdaParse: 'parse .gcda', gcdaWrite: 'write .gcda', gcdaWriteShared: 'write .gcda, shared result', gcnoParse: 'parse .gcno', gcnoWrite: 'write .gcno', gcnoWriteShared: 'write .gcno, shared result' };

/**
 * Measurements `which` (of IN_MEMORY_MEASUREMENTS, the work of lib.js's inMemoryWork, which
 * compare.js and icount.js time and count) in this process, in interleaved rounds.
 */
async function measureInMemory(which) {
  const specs = [];
  for (const k of which) {
    const { bytes, files, pass } = await inMemoryWork(repo, repo, k);
    specs.push({ name: `${LABELS[k]} (${files} files)`, bytes, pass });
  }
  const results = throughputs(specs);
  return Object.fromEntries(which.map((k, i) => [k, results[i]]));
}

if (inMemoryChild !== null) {
  if (!IN_MEMORY_MEASUREMENTS.includes(inMemoryChild)) usage(`--in-memory-child needs one of ${IN_MEMORY_MEASUREMENTS.join(' ')}`);
  process.stdout.write(JSON.stringify(await measureInMemory([inMemoryChild])) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- machine facts
const machine = {
  node: process.version,
  cpu: cpuModel(),
  nproc: nproc(),
  platform: `${process.platform} ${process.arch}`,
  tmpdir: tmpdir(),
  loadAvgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
};
log('# tarax benchmark');
log();
log(`node ${machine.node}, ${machine.platform}, CPU: ${machine.cpu}, nproc: ${machine.nproc}, load average ${machine.loadAvgAtStart.join(' ')}`);
log(`options: --files ${targetFiles}${keep ? ' --keep' : ''}`);
log(`/usr/bin/time: ${haveTime ? 'yes (max RSS via -f %M)' : 'missing or not working (Debian package "time"): max RSS reported as n/a'}`);
log();

// ---------------------------------------------------------------- 1. load fixtures
const strip = (p) => p.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
const harvest = readTar(readFileSync(HARVEST), HARVEST).filter((e) => e.type === 'file' && e.path.endsWith('.gcda'));
const gcnos = readTar(readFileSync(GCNO_SUBSET), GCNO_SUBSET).filter((e) => e.type === 'file' && e.path.endsWith('.gcno'));
const gcdaBytes = harvest.reduce((a, e) => a + e.data.length, 0);
const gcnoBytes = gcnos.reduce((a, e) => a + e.data.length, 0);
log(`loaded ${harvest.length} .gcda (${fmtBytes(gcdaBytes)}) from fixtures/kernel/harvest-A.tar.gz`);
log(`loaded ${gcnos.length} .gcno (${fmtBytes(gcnoBytes)}) from fixtures/kernel/gcno-subset.tar.gz`);
log();

// ---------------------------------------------------------------- 2. in-memory throughput
log('## in-memory throughput (input bytes / time, 1 MB = 10^6 bytes)');
// Sanity (not speed): the write must round-trip, or the write figures would be meaningless.
let mismatches = 0;
{
  const same = (a, b) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
  for (const set of [harvest, gcnos]) {
    const models = set.map((e) => readGcovFile(e.data, e.path));
    for (const shared of [false, true]) set.forEach((e, i) => { if (!same(e.data, writeGcovFile(models[i], { shared }))) mismatches++; });
  }
}

/*
 * Each measurement runs in a node process of its own, --processes times (3), and its figure
 * is the median of those processes' median rounds, as JMH runs a benchmark in several forks:
 * - the same code measured in two node processes differs here by 10-30%, at times 1.5x (JIT
 *   and heap decisions of each process, and the host's slow periods), more than from round
 *   to round of one process;
 * - in one process, a measurement pays for the collection of the garbage the one before it
 *   left (writing notes with a copy of each result measured 450 MB/s after parsing notes,
 *   against 680 alone).
 * The processes take the measurements in turn (all six, then all six again), so that a slow
 * period of the host falls on several measurements once rather than on one several times.
 * --processes 1 measures all six in this process, in interleaved rounds.
 */
let mem;
if (processes === 1) mem = await measureInMemory(IN_MEMORY_MEASUREMENTS);
else {
  const per = Object.fromEntries(IN_MEMORY_MEASUREMENTS.map((k) => [k, []]));
  for (let p = 0; p < processes; p++) {
    for (const k of IN_MEMORY_MEASUREMENTS) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--in-memory-child', k], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`in-memory measurement process (${k}): exit status ${r.status}\n${r.stderr}`);
      per[k].push(JSON.parse(r.stdout.trim().split('\n').pop())[k]);
    }
  }
  mem = {};
  for (const k of IN_MEMORY_MEASUREMENTS) {
    const runs = per[k];
    mem[k] = {
      mbPerSec: median(runs.map((x) => x.mbPerSec)),
      processMedians: runs.map((x) => Number(x.mbPerSec.toFixed(1))),
      min: Math.min(...runs.map((x) => x.min)),
      max: Math.max(...runs.map((x) => x.max)),
      rounds: runs[0].rounds,
      processes,
    };
    log(`  ${LABELS[k].padEnd(28)} median ${fmt(mem[k].mbPerSec)} MB/s  (process medians ${runs.map((x) => fmt(x.mbPerSec)).join(', ')}; rounds ${fmt(mem[k].min)}..${fmt(mem[k].max)})`);
  }
}
if (mismatches) log(`  WARNING: ${mismatches} file(s) did not round-trip byte-identically`);
log();
if (inMemoryOnly) process.exit(0);

// ---------------------------------------------------------------- 3. replicated tree
tmpRoot = mkdtempSync(join(tmpdir(), 'tarax-bench-'));
const cleanup = () => {
  if (tmpRoot && !keep) rmSync(tmpRoot, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

{
  // The file system under the temp dir dominates the cp and rewrite figures: say which it is.
  const r = spawnSync('df', ['--output=fstype', tmpRoot], { encoding: 'utf8' });
  machine.tmpFs = r.status === 0 ? (r.stdout.trim().split('\n').pop() ?? '').trim() || 'unknown' : 'unknown';
}
const TREE = join(tmpRoot, 'tree');
const copies = Math.ceil(targetFiles / harvest.length);
const relPaths = [];
{
  const t0 = performance.now();
  const dirs = new Set();
  for (let c = 0; c < copies; c++) {
    const copy = `copy${String(c).padStart(4, '0')}`;
    for (const e of harvest) {
      const rel = join(copy, strip(e.path));
      const abs = join(TREE, rel);
      const d = dirname(abs);
      if (!dirs.has(d)) { mkdirSync(d, { recursive: true }); dirs.add(d); }
      writeFileSync(abs, e.data);
      relPaths.push(rel);
    }
  }
  settle();
  log(`## replicated tree: ${TREE} (file system: ${machine.tmpFs})`);
  log(`  ${copies} copies x ${harvest.length} = ${relPaths.length} .gcda files, ${fmtBytes(gcdaBytes * copies)} (built in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  log();
}
const tree = { dir: TREE, copies, files: relPaths.length, bytes: gcdaBytes * copies };

// ---------------------------------------------------------------- 4. cp -r vs gcda-rewrite
log('## cp -r TREE DEST  vs  node bin/gcda-rewrite.js TREE -o DEST2 -q');
const DEST = join(tmpRoot, 'out-cp');
const DEST2 = join(tmpRoot, 'out-rewrite');
const cpCmd = () => ['cp', '-r', TREE, freshOutput(DEST)];
const rwCmd = (out) => [process.execPath, REWRITE_BIN, TREE, '-o', out, '-q'];
{
  // Warm-up: pulls the tree into the page cache for both contenders.
  const w = runMeasured(cpCmd(), 'cp -r (warm-up)');
  log(`  warm-up cp -r: ${w.secs.toFixed(2)} s`);
  settle();
}
const cpRuns = [];
const rwRuns = [];
for (let i = 0; i < 3; i++) {
  // A new output each time (freshOutput): no deletion between timed runs.
  const a = runMeasured(cpCmd(), 'cp -r');
  cpRuns.push(a);
  settle();
  const out = freshOutput(DEST2);
  const b = runMeasured(rwCmd(out), 'gcda-rewrite');
  rwRuns.push(b);
  if (i === 0) {
    // Correctness spot check (not timed): the mirrored tree has every file.
    const probe = join(out, relPaths[relPaths.length - 1]);
    if (!existsSync(probe)) log(`  WARNING: gcda-rewrite output lacks ${probe}`);
  }
  settle();
  log(`  run ${i + 1}: cp -r ${a.secs.toFixed(2)} s (max RSS ${rssText(a.rssKiB)}), gcda-rewrite ${b.secs.toFixed(2)} s (max RSS ${rssText(b.rssKiB)})`);
}
const copyBench = {
  cpSecs: median(cpRuns.map((r) => r.secs)),
  rewriteSecs: median(rwRuns.map((r) => r.secs)),
  cpRuns: cpRuns.map((r) => r.secs),
  rewriteRuns: rwRuns.map((r) => r.secs),
  cpMaxRssKiB: haveTime ? Math.max(...cpRuns.map((r) => r.rssKiB ?? 0)) : null,
  rewriteMaxRssKiB: haveTime ? Math.max(...rwRuns.map((r) => r.rssKiB ?? 0)) : null,
};
copyBench.ratio = copyBench.rewriteSecs / copyBench.cpSecs;
log(`  median: cp -r ${copyBench.cpSecs.toFixed(2)} s, gcda-rewrite ${copyBench.rewriteSecs.toFixed(2)} s, ratio rewrite/cp ${copyBench.ratio.toFixed(2)}`);
log();

// ---------------------------------------------------------------- 5. dump the whole tree
log(`## dump all ${relPaths.length} files (xargs -s ${BATCH}: the same batches for both tools, stdout to /dev/null)`);
const listFile = join(tmpRoot, 'files.list0');
writeFileSync(listFile, relPaths.map((p) => join(TREE, p)).join('\0') + '\0');
const xargs = (cmd) => ['xargs', '-0', '-s', String(BATCH), '-a', listFile, ...cmd];
const dumpBench = { skipped: null, gcovDumpSecs: null, gcdaDumpSecs: null, ratio: null, gcovDumpMaxRssKiB: null, gcdaDumpMaxRssKiB: null };
const gcovDumpPath = which(GCOV_DUMP);
{
  const d = runMeasured(xargs([process.execPath, DUMP_BIN]), 'gcda-dump');
  dumpBench.gcdaDumpSecs = d.secs;
  dumpBench.gcdaDumpMaxRssKiB = d.rssKiB;
  log(`  node bin/gcda-dump.js: ${d.secs.toFixed(2)} s (max RSS ${rssText(d.rssKiB)})`);
}
if (!gcovDumpPath) {
  dumpBench.skipped = `${GCOV_DUMP} not found on PATH (it is in the Debian package gcc-12: apt-get install gcc-12)`;
  log(`  gcov-dump -l comparison skipped: ${dumpBench.skipped}`);
} else {
  const g = runMeasured(xargs([gcovDumpPath, '-l']), GCOV_DUMP);
  dumpBench.gcovDumpSecs = g.secs;
  dumpBench.gcovDumpMaxRssKiB = g.rssKiB;
  dumpBench.ratio = dumpBench.gcdaDumpSecs / g.secs;
  log(`  ${GCOV_DUMP} -l: ${g.secs.toFixed(2)} s (max RSS ${rssText(g.rssKiB)})`);
  log(`  ratio gcda-dump / gcov-dump -l: ${dumpBench.ratio.toFixed(2)}`);
}
log();

// Remove the tree now (unless --keep) so the reported wall time includes the clean-up.
if (!keep) {
  const t0 = performance.now();
  cleanup();
  log(`removed ${tmpRoot} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  log();
}

// ---------------------------------------------------------------- 7. table + JSON
const met = (ok) => (ok === null ? 'n/a' : ok ? 'met' : 'not met');
const kib = (v) => (v === null || v === undefined ? 'n/a' : `${(v / 1024).toFixed(1)} MiB`);
const rows = [
  ['parse .gcda (in memory)', `${fmt(mem.gcdaParse.mbPerSec)} MB/s`, '>= 500 MB/s', met(mem.gcdaParse.mbPerSec >= 500)],
  ['write .gcda (in memory, a new copy per file)', `${fmt(mem.gcdaWrite.mbPerSec)} MB/s`, '>= 500 MB/s', met(mem.gcdaWrite.mbPerSec >= 500)],
  ['write .gcda (in memory, shared result)', `${fmt(mem.gcdaWriteShared.mbPerSec)} MB/s`, '>= 500 MB/s', met(mem.gcdaWriteShared.mbPerSec >= 500)],
  ['parse .gcno (in memory)', `${fmt(mem.gcnoParse.mbPerSec)} MB/s`, '>= 500 MB/s', met(mem.gcnoParse.mbPerSec >= 500)],
  ['write .gcno (in memory, a new copy per file)', `${fmt(mem.gcnoWrite.mbPerSec)} MB/s`, '>= 500 MB/s', met(mem.gcnoWrite.mbPerSec >= 500)],
  ['write .gcno (in memory, shared result)', `${fmt(mem.gcnoWriteShared.mbPerSec)} MB/s`, '>= 500 MB/s', met(mem.gcnoWriteShared.mbPerSec >= 500)],
  [`tree (${tree.copies} copies of harvest-A)`, `${tree.files} files, ${(tree.bytes / MB).toFixed(1)} MB`, '>= ' + targetFiles + ' files', met(tree.files >= targetFiles)],
  ['cp -r (median of 3)', `${copyBench.cpSecs.toFixed(2)} s`, '', ''],
  ['gcda-rewrite -q (median of 3)', `${copyBench.rewriteSecs.toFixed(2)} s`, '', ''],
  ['ratio rewrite / cp', copyBench.ratio.toFixed(2), '<= 1.5', met(copyBench.ratio <= 1.5)],
  [`gcov-dump-12 -l (all files)`, dumpBench.gcovDumpSecs === null ? 'skipped' : `${dumpBench.gcovDumpSecs.toFixed(2)} s`, '', ''],
  [`gcda-dump (all files)`, `${dumpBench.gcdaDumpSecs.toFixed(2)} s`, 'faster than gcov-dump -l', met(dumpBench.ratio === null ? null : dumpBench.ratio < 1)],
  ['ratio gcda-dump / gcov-dump -l', dumpBench.ratio === null ? 'n/a' : dumpBench.ratio.toFixed(2), '< 1', met(dumpBench.ratio === null ? null : dumpBench.ratio < 1)],
  ['max RSS cp -r', kib(copyBench.cpMaxRssKiB), '', ''],
  ['max RSS gcda-rewrite', kib(copyBench.rewriteMaxRssKiB), '', ''],
  ['max RSS gcov-dump-12 -l (largest batch)', kib(dumpBench.gcovDumpMaxRssKiB), '', ''],
  ['max RSS gcda-dump (largest batch)', kib(dumpBench.gcdaDumpMaxRssKiB), '', ''],
];
const totalSecs = (performance.now() - benchStarted) / 1000;
machine.loadAvgAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
log('## results');
log();
log(`node ${machine.node} | ${machine.cpu} | nproc ${machine.nproc} | load average ${machine.loadAvgAtStart[0]} at start, ${machine.loadAvgAtEnd[0]} at end | temp dir ${machine.tmpdir} (${machine.tmpFs}) | ${tree.files} files | benchmark wall time ${totalSecs.toFixed(1)} s`);
log();
log('| measurement | value | target | status |');
log('| --- | --- | --- | --- |');
for (const r of rows) log(`| ${r.join(' | ')} |`);
log();

const results = {
  date: new Date().toISOString(),
  machine,
  options: { files: targetFiles, keep },
  fixtures: { gcdaFiles: harvest.length, gcdaBytes, gcnoFiles: gcnos.length, gcnoBytes, roundTripMismatches: mismatches },
  inMemory: mem,
  tree: { ...tree, dir: keep ? tree.dir : null },
  copy: copyBench,
  dump: { ...dumpBench, batch: BATCH },
  maxRssAvailable: haveTime,
  table: rows.map(([measurement, value, target, status]) => ({ measurement, value, target, status })),
  totalSecs,
};
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
log(`results written to ${join('bench', 'results', 'latest.json')}`);
if (keep) log(`kept ${tmpRoot}`);
