#!/usr/bin/env node
// gcda-summarize benchmark (issue 3): wall time and peak memory against `cp -r` of the same
// tree, for the kernel fixture and for the fixture replicated to --files .gcda files.
// Reports figures, asserts nothing; not part of the test suite.
//
//   node bench/summarize.js [--files N] [--rounds R]
// gcda-summarize is run as a command (bin/gcda-summarize.js through its shebang), as an
// installed gcda-summarize runs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTar } from '../dist/node.js';
import { freshOutput, measured as measure, median, MiB, settle } from './lib.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HARVEST = join(repo, 'fixtures/kernel/harvest-A.tar.gz');
const BIN = join(repo, 'bin/gcda-summarize.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const targetFiles = opt('--files', 20000);
const rounds = opt('--rounds', 5);
const log = (s = '') => process.stdout.write(s + '\n');

const tmpRoot = mkdtempSync(join(tmpdir(), 'tarax-bench-summarize-'));
process.on('exit', () => rmSync(tmpRoot, { recursive: true, force: true }));
const measured = (argv) => measure(argv, tmpRoot);

const entries = readTar(new Uint8Array(readFileSync(HARVEST)), HARVEST).filter((e) => e.type === 'file' && e.path.endsWith('.gcda'));
const harvestBytes = entries.reduce((n, e) => n + e.data.length, 0);

function buildTree(dir, copies) {
  const made = new Set();
  for (let c = 0; c < copies; c++)
    for (const e of entries) {
      const p = join(dir, copies > 1 ? `copy${String(c).padStart(4, '0')}` : '', e.path.replace(/^\.\//, ''));
      if (!made.has(dirname(p))) { mkdirSync(dirname(p), { recursive: true }); made.add(dirname(p)); }
      writeFileSync(p, e.data);
    }
  settle();
}

function compare(label, tree, files, bytes) {
  const out1 = join(tmpRoot, 'out-cp');
  const out2 = join(tmpRoot, 'out-summarize');
  const out3 = join(tmpRoot, 'out-summarize-j2');
  // -j 2 (a helper thread; not the default, for its memory), for what it gives.
  const sumJ2 = (out) => [BIN, tree, '-o', out, '-q', '--no-progress', '-j', '2'];
  measured(['cp', '-r', tree, freshOutput(out1)]); // warm-up: the tree in the page cache
  measured([BIN, tree, '-o', freshOutput(out2), '-q', '--no-progress']);
  settle();
  const cp = [];
  const sum = [];
  const two = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate, so drift of the machine hits all alike; a new output each time (freshOutput).
    cp.push(measured(['cp', '-r', tree, freshOutput(out1)]));
    settle();
    sum.push(measured([BIN, tree, '-o', freshOutput(out2), '-q', '--no-progress']));
    settle();
    two.push(measured(sumJ2(freshOutput(out3))));
    settle();
  }
  const cpS = median(cp.map((r) => r.secs));
  const sumS = median(sum.map((r) => r.secs));
  const peak = Math.max(...sum.map((r) => r.rssKiB)) * 1024;
  const row = {
    label, files, bytes,
    cpSecs: cpS, summarizeSecs: sumS, ratio: sumS / cpS,
    cpRuns: cp.map((r) => +r.secs.toFixed(3)), summarizeRuns: sum.map((r) => +r.secs.toFixed(3)),
    summarizePeakRssBytes: peak, memoryTargetBytes: bytes + 100 * MiB,
    j2Secs: median(two.map((r) => r.secs)), j2Runs: two.map((r) => +r.secs.toFixed(3)), j2PeakRssBytes: Math.max(...two.map((r) => r.rssKiB)) * 1024,
  };
  log(`## ${label}: ${files} .gcda files, ${(bytes / 1e6).toFixed(1)} MB`);
  log(`  cp -r:          median ${cpS.toFixed(2)} s  (${row.cpRuns.join(', ')})`);
  log(`  gcda-summarize: median ${sumS.toFixed(2)} s  (${row.summarizeRuns.join(', ')})`);
  log(`  ratio summarize / cp -r: ${row.ratio.toFixed(2)}   (target <= 1.5)`);
  log(`  peak RSS gcda-summarize: ${(peak / MiB).toFixed(0)} MiB   (target < tree + 100 MiB = ${((bytes + 100 * MiB) / MiB).toFixed(0)} MiB)`);
  log(`  gcda-summarize -j 2: median ${row.j2Secs.toFixed(2)} s (${row.j2Runs.join(', ')}), ratio to cp -r ${(row.j2Secs / cpS).toFixed(2)}, peak RSS ${(row.j2PeakRssBytes / MiB).toFixed(0)} MiB`);
  log();
  return row;
}

log(`# gcda-summarize vs cp -r  (node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, tmp ${tmpRoot})`);
log();
const results = [];
const small = join(tmpRoot, 'kernel');
buildTree(small, 1);
results.push(compare('kernel fixture (harvest-A)', small, entries.length, harvestBytes));
rmSync(small, { recursive: true, force: true });
const copies = Math.ceil(targetFiles / entries.length);
const big = join(tmpRoot, 'replicated');
buildTree(big, copies);
results.push(compare(`replicated tree (${copies} copies)`, big, entries.length * copies, harvestBytes * copies));
mkdirSync(join(repo, 'bench/results'), { recursive: true });
writeFileSync(join(repo, 'bench/results/summarize.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
log('results written to bench/results/summarize.json');
