// Shared by the bench scripts: measuring a command, medians, flushing dirty pages.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const MiB = 1024 * 1024;

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A new output path for each timed run (base-1, base-2, ...). Outputs are not deleted between
 * runs: on this VM's ext4 (mounted with discard), creating 20,000 files right after deleting
 * 20,000 took 8 s of system time instead of 1 s, so a run timed after a deletion measured the
 * deletion. The caller deletes them all at the end.
 */
let outputs = 0;
export const freshOutput = (base) => `${base}-${++outputs}`;

/** Flushes dirty pages so one run's write-back does not land in the next run's timing. */
export const settle = () => spawnSync('sync');

/**
 * Runs argv under /usr/bin/time (stdout discarded): wall seconds, max RSS in KiB (of the
 * process or the largest of its waited-for children), user and system CPU seconds, and the
 * 1-minute load average when it started.
 */
export function measured(argv, tmpDir) {
  const rssFile = join(tmpDir, 'time.txt');
  const load = loadavg()[0];
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const [rssKiB, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { secs, rssKiB, user, sys, load };
}

/** The in-memory measurements of run.js, compare.js, icount.js and jit-profile.js, by name. */
export const IN_MEMORY_MEASUREMENTS = ['gcdaParse', 'gcdaWrite', 'gcdaWriteShared', 'gcnoParse', 'gcnoWrite', 'gcnoWriteShared'];

/**
 * One of IN_MEMORY_MEASUREMENTS with the build in `checkout`: its fixture files' bytes and
 * number, and a function doing the work once over all of them.
 */
export async function inMemoryWork(repo, checkout, which) {
  const lib = await import(pathToFileURL(join(checkout, 'dist/index.js')).href);
  const { readTar } = await import(pathToFileURL(join(repo, 'dist/node.js')).href);
  const kind = which.slice(0, 4);
  const tar = kind === 'gcda' ? 'harvest-A.tar.gz' : 'gcno-subset.tar.gz';
  const set = readTar(new Uint8Array(readFileSync(join(repo, 'fixtures/kernel', tar))), tar).filter((e) => e.type === 'file' && e.path.endsWith(`.${kind}`));
  const bytes = set.reduce((n, e) => n + e.data.length, 0);
  const models = set.map((e) => lib.readGcovFile(e.data, e.path));
  // Builds before the shared option ignore it (and write a copy).
  const options = which.endsWith('Shared') ? { shared: true } : undefined;
  const pass = which.endsWith('Parse')
    ? () => set.reduce((n, e) => n + (lib.readGcovFile(e.data, e.path) ? 1 : 0), 0)
    : () => models.reduce((n, m) => n + lib.writeGcovFile(m, options).length, 0);
  return { bytes, files: set.length, pass };
}
