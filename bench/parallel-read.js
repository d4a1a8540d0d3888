#!/usr/bin/env node
// Does reading a harvest tree with several reads in flight pay (the -j question of issue 7)?
// Reads every file of TREE: synchronously one after the other (what the CLIs do), then with
// N concurrent fs.promises reads (libuv's thread pool), for each N given.
//
//   node bench/parallel-read.js TREE [N ...]        TREE: any harvest tree, e.g. an extracted fixture
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const [tree, ...depths] = process.argv.slice(2);
if (!tree) {
  process.stderr.write('usage: node bench/parallel-read.js TREE [N ...]\n');
  process.exit(2);
}
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(tree);
async function run(depth) {
  const t = performance.now();
  let bytes = 0;
  if (depth === 0) for (const f of files) bytes += readFileSync(f).length;
  else {
    let i = 0;
    const worker = async () => {
      while (i < files.length) bytes += (await readFile(files[i++])).length;
    };
    await Promise.all(Array.from({ length: depth }, worker));
  }
  return { depth, secs: (performance.now() - t) / 1000, bytes };
}
for (const d of [0, ...(depths.length ? depths.map(Number) : [1, 4, 8, 16])]) {
  const r = await run(d);
  console.log(`${d === 0 ? 'readFileSync, one at a time' : `${d} reads in flight`}: ${files.length} files, ${r.secs.toFixed(2)} s`);
}
