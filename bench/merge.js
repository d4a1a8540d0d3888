#!/usr/bin/env node
// gcda-merge benchmark (issue 7): wall time and peak memory of gcda-merge and gcov-tool merge
// on the same two kernel-scale trees (the kernel fixture's harvests A and B, summarized and
// replicated to --files .gcda files), measured in one run, alternating the two tools; and the
// peak memory of merging 10 such trees in one call against merging 2.
// Reports figures, asserts nothing; not part of the test suite.
//
//   node bench/merge.js [--files N] [--rounds R] [--gcov-tool gcov-tool-12]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGcda, summarize, writeGcda } from '../dist/index.js';
import { readTar } from '../dist/node.js';
import { freshOutput, measured as measure, median, settle } from './lib.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(repo, 'bin/gcda-merge.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const targetFiles = Number(opt('--files', 20000));
const rounds = Number(opt('--rounds', 3));
const GCOV_TOOL = opt('--gcov-tool', 'gcov-tool-12');
const log = (s = '') => process.stdout.write(s + '\n');
const tmpRoot = mkdtempSync(join(tmpdir(), 'tarax-bench-merge-'));
process.on('exit', () => rmSync(tmpRoot, { recursive: true, force: true }));
const measured = (argv) => measure(argv, tmpRoot);

/** The harvest's files with the summary gcda-summarize computes, by path. */
function summarized(name) {
  const entries = readTar(new Uint8Array(readFileSync(join(repo, 'fixtures/kernel', name))), name).filter((e) => e.type === 'file' && e.path.endsWith('.gcda'));
  const r = summarize(entries.map((e) => ({ name: e.path, file: readGcda(e.data) })));
  return entries.map((e, i) => ({ path: e.path.replace(/^\.\//, ''), data: writeGcda(r.files[i]) }));
}

function buildTree(dir, files, copies) {
  const made = new Set();
  for (let c = 0; c < copies; c++)
    for (const f of files) {
      const p = join(dir, `copy${String(c).padStart(4, '0')}`, f.path);
      if (!made.has(dirname(p))) { mkdirSync(dirname(p), { recursive: true }); made.add(dirname(p)); }
      writeFileSync(p, f.data);
    }
}

const A = summarized('harvest-A.tar.gz');
const B = summarized('harvest-B.tar.gz');
const copies = Math.ceil(targetFiles / A.length);
const treeBytes = A.reduce((n, f) => n + f.data.length, 0) * copies;
const TA = join(tmpRoot, 'TA');
const TB = join(tmpRoot, 'TB');
buildTree(TA, A, copies);
buildTree(TB, B, copies);
settle();
log(`# gcda-merge vs ${GCOV_TOOL} merge  (node ${process.version}, tmp ${tmpRoot})`);
log(`two trees of ${A.length * copies} .gcda files (${(treeBytes / 1e6).toFixed(1)} MB each): harvest A and harvest B, summarized, ${copies} copies`);
log();

// gcov-tool merge DIR1 DIR2: DIR1 is libgcov's memory (the newer run) -> gcov-tool merge TB TA.
const ours = (out) => [process.execPath, BIN, TA, TB, '-o', out, '-q', '--no-progress'];
// The same without helper threads (-j 1), for what the helpers give.
const oursOne = (out) => [...ours(out), '-j', '1'];
const theirs = (out) => [GCOV_TOOL, 'merge', '-o', out, TB, TA];
const o1 = join(tmpRoot, 'out-ours');
const o2 = join(tmpRoot, 'out-gcov-tool');
const o3 = join(tmpRoot, 'out-ours-j1');
const w1 = freshOutput(o1);
const w2 = freshOutput(o2);
measured(ours(w1)); // warm-up, and the equality check below
measured(theirs(w2));
const same = spawnSync('diff', ['-r', '-q', w1, w2]).status === 0;
settle();
const runsOurs = [];
const runsTheirs = [];
const runsOne = [];
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? ['ours', 'theirs', 'one'] : ['one', 'theirs', 'ours'];
  for (const who of order) {
    // a new output each time (freshOutput: no deletion between timed runs)
    const r = who === 'ours' ? measured(ours(freshOutput(o1))) : who === 'one' ? measured(oursOne(freshOutput(o3))) : measured(theirs(freshOutput(o2)));
    (who === 'ours' ? runsOurs : who === 'one' ? runsOne : runsTheirs).push(r);
    settle();
  }
}
const row = (label, rs) =>
  log(`  ${label.padEnd(18)} median ${median(rs.map((r) => r.secs)).toFixed(2)} s  (${rs.map((r) => r.secs.toFixed(2)).join(', ')}; user ${median(rs.map((r) => r.user)).toFixed(2)} s, sys ${median(rs.map((r) => r.sys)).toFixed(2)} s), peak RSS ${(Math.max(...rs.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB`);
log(`## merge two trees (outputs byte-identical: ${same ? 'yes' : 'NO'})`);
row('gcda-merge', runsOurs);
row('gcda-merge -j 1', runsOne);
row(`${GCOV_TOOL} merge`, runsTheirs);
const ratio = median(runsOurs.map((r) => r.secs)) / median(runsTheirs.map((r) => r.secs));
const ratioOne = median(runsOne.map((r) => r.secs)) / median(runsTheirs.map((r) => r.secs));
log(`  ratio gcda-merge / gcov-tool: ${ratio.toFixed(2)} (-j 1: ${ratioOne.toFixed(2)})   (target <= 0.70); load average during the runs: ${[...runsOurs, ...runsOne, ...runsTheirs].map((r) => r.load.toFixed(1)).join(' ')}`);
log();

// Memory against the number of inputs: 10 trees (A, B, A, B, ...; hard-linked copies) vs 2.
const trees = [TA, TB];
for (let k = 2; k < 10; k++) {
  const t = join(tmpRoot, `T${k}`);
  spawnSync('cp', ['-al', k % 2 === 0 ? TA : TB, t]);
  trees.push(t);
}
settle();
// Peak RSS varies by a few MiB from run to run (garbage not collected yet): alternate the two.
const twos = [];
const tens = [];
for (let i = 0; i < rounds; i++) {
  twos.push(measured([process.execPath, BIN, TA, TB, '-o', freshOutput(join(tmpRoot, 'm2')), '-q', '--no-progress']));
  tens.push(measured([process.execPath, BIN, ...trees, '-o', freshOutput(join(tmpRoot, 'm10')), '-q', '--no-progress']));
}
const peaks = (rs) => rs.map((r) => (r.rssKiB / 1024).toFixed(0)).join(', ');
log('## peak memory against the number of inputs');
log(`  2 trees:  median ${median(twos.map((r) => r.secs)).toFixed(2)} s, peak RSS median ${(median(twos.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB (${peaks(twos)})`);
log(`  10 trees: median ${median(tens.map((r) => r.secs)).toFixed(2)} s, peak RSS median ${(median(tens.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB (${peaks(tens)})`);
// Live memory after each tenth of the objects, after a forced garbage collection (peak RSS
// also holds garbage that happens not to be collected yet).
const liveOf = (inputs, out) => {
  const r = spawnSync(process.execPath, ['--expose-gc', BIN, ...inputs, '-o', join(tmpRoot, out), '-q', '--no-progress'], {
    encoding: 'utf8',
    env: { ...process.env, TARAX_DEBUG_MEMORY: '1' },
  });
  return r.stderr.trim().split('\n').map((l) => Number(/rss (\d+)/.exec(l)?.[1]));
};
const live = liveOf(trees, 'm10b');
const liveTwo = liveOf([TA, TB], 'm2b');
log(`  live RSS after each tenth of the objects (forced GC): 10 trees ${live.join(', ')} MiB; 2 trees ${liveTwo.join(', ')} MiB`);
mkdirSync(join(repo, 'bench/results'), { recursive: true });
writeFileSync(
  join(repo, 'bench/results/merge.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, files: A.length * copies, treeBytes, identical: same, ours: runsOurs, oursOneThread: runsOne, gcovTool: runsTheirs, ratio, ratioOneThread: ratioOne, twoTrees: twos, tenTrees: tens, liveRssAfterEachTenthMiB: live, liveRssAfterEachTenthTwoTreesMiB: liveTwo }, null, 2),
);
log('results written to bench/results/merge.json');
