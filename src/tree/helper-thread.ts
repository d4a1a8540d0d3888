import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, normalize } from 'node:path';
import { Worker } from 'node:worker_threads';
import { walkTree } from './walk.js';

/**
 * The helper threads of IoHelper: their code, their messages, and their start. A Worker
 * takes about 0.1 s of its own CPU to start (Node's bootstrap of the thread), so a command
 * can start its helpers before it loads the library (prestartHelperThreads, from bin/),
 * and the thread is ready when the files are: on 2 CPUs the start then overlaps the main
 * thread's module loading instead of the first 0.1-0.15 s of the run. This module imports
 * nothing but Node's own modules, so that it loads fast.
 */

/**
 * A thread started ahead: whether it failed or stopped since, whether IoHelper took it, and
 * how many of its walks are under way.
 */
interface Prestarted {
  worker: Worker;
  failed: boolean;
  watch: () => void;
  taken: boolean;
  walks: number;
}

/** Threads started ahead and not taken yet. */
const prestarted: Prestarted[] = [];

/** The fewest files for which a helper thread pays (IoHelper.threadsFor). */
export const HELPER_MIN_FILES = 2000;

/**
 * Whether the trees under `dirs` hold at least `atLeast` files (of any name), counting no
 * further than that: a few milliseconds for 2,000 files, less for a smaller tree.
 */
function holdAtLeast(dirs: readonly string[], atLeast: number): boolean {
  const pending = [...dirs];
  let files = 0;
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // the command reports it
    }
    for (const e of entries) {
      if (e.isDirectory()) pending.push(join(dir, e.name));
      else if (++files >= atLeast) return true;
    }
  }
  return false;
}

/** Starts a helper thread: the code of helperMain, run from its source text. */
function startHelperThread(): Worker {
  // From source text: no file to find beside the compiled module (and the same under a test
  // runner that runs the .ts).
  return new Worker(`(${helperMain.toString()})(require('node:worker_threads'), require('node:fs'), require('node:v8'), require('node:vm'), require('node:path'), ${walkTree.toString()})`, {
    eval: true,
    // Not the parent's Node options: with --input-type=module (node --input-type=module -e
    // ...) the thread would read its source as a module, where require is not defined, and
    // fail at once.
    execArgv: [],
    // It allocates little: a small young generation keeps its memory down.
    resourceLimits: { maxYoungGenerationSizeMb: 1 },
  });
}

/**
 * Starts `count` helper threads now, for IoHelper to take later. Until taken, they do not
 * keep the process alive (unref), so a command that turns out to need none exits as usual.
 */
export function prestartHelperThreads(count: number): void {
  for (let i = 0; i < count; i++) prestartOne();
}

/** One thread of prestartHelperThreads. */
function prestartOne(): Prestarted {
  const worker = startHelperThread();
  worker.unref();
  // An error or exit before IoHelper listens would go unseen: such a thread is not used.
  const entry: Prestarted = { worker, failed: false, watch: () => (entry.failed = true), taken: false, walks: 0 };
  worker.on('error', entry.watch).on('exit', entry.watch);
  prestarted.push(entry);
  return entry;
}

/**
 * For a command's bin/ script, before it loads the library: starts one helper thread when a
 * command over `args` (its arguments) will probably use one. That is, on 2 CPUs or more,
 * without -j/--jobs (then the helpers are the user's choice), and with a directory among the
 * arguments other than -o/--output's value, whose trees hold HELPER_MIN_FILES files or more
 * (counted up to that number: see IoHelper.threadsFor). A wrong guess (files of other names)
 * costs about 20 ms; a tree named in an input list file (-f) is not seen, and its helper
 * starts when it is needed. With `walkExtensions`, the thread also walks each tree at once,
 * for collectInputs (prewalk). (Used by gcda-rewrite: 20,424 files on tmpfs in 0.75-0.78 s against 0.77-0.80 s without
 * the walk, 6 alternating runs; without the early start, see docs/performance.md. For
 * gcda-merge --summarize of two 20,424-file trees the early start gained nothing, 1.61-1.68 s
 * against 1.59-1.67 in 5 alternating runs: there the helper's start is not on the critical
 * path.)
 */
export function prestartHelperForTrees(args: readonly string[], walkExtensions?: readonly string[]): void {
  if (availableParallelism() < 2 || args.some((a) => /^(-j|--jobs)/.test(a))) return;
  const isDirectory = (a: string) => {
    try {
      return statSync(a).isDirectory();
    } catch {
      return false; // the command reports it
    }
  };
  const trees = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-o' && args[i - 1] !== '--output').filter(isDirectory);
  // A smaller tree gets no helper (IoHelper.threadsFor), and a thread started for nothing
  // cost 20 ms of a 0.19 s rewrite of 851 files.
  if (trees.length === 0 || !holdAtLeast(trees, HELPER_MIN_FILES)) return;
  const entry = prestartOne();
  if (walkExtensions !== undefined) for (const t of trees) prewalk(entry, t, walkExtensions);
}

/** A tree's listing from a helper's walk: relative paths in walk order, and what it skipped. */
export interface PrewalkListing {
  relPaths: string[];
  skipped: Array<{ source: string; reason: string }>;
}

/** Walks asked of prestarted threads, by input as given: what was asked, and the answer to come. */
const prewalks = new Map<string, { root: string; exts: string; listing: Promise<PrewalkListing | null> }>();
let nextWalkId = 0;

/**
 * Asks `worker` to walk `input` now (walkTree, as collectInputs would): on 2 CPUs the walk of
 * a large tree (some 50 ms for 20,424 files in 2,161 directories) then overlaps the main
 * thread's loading of the program, and the helper reads the first files as soon as the main
 * thread has the list. collectInputs takes the listing (takePrewalk).
 */
function prewalk(entry: Prestarted, input: string, exts: readonly string[]): void {
  const { worker } = entry;
  const id = nextWalkId++;
  const root = normalize(input);
  // While a walk is under way the thread keeps the process alive, as someone awaits it.
  entry.walks++;
  worker.ref();
  const listing = new Promise<PrewalkListing | null>((resolve) => {
    const done = (result: PrewalkListing | null) => {
      worker.off('message', answer).off('exit', gone);
      if (--entry.walks === 0 && !entry.taken) worker.unref();
      resolve(result);
    };
    const answer = (m: HelperMessage) => {
      if (m.op !== 'walked' || m.id !== id) return;
      // An error (an unreadable directory) is left to the main thread's own walk to report.
      done(m.failed ? null : { relPaths: m.count === 0 ? [] : m.relPaths.split('\0'), skipped: m.skipped });
    };
    const gone = () => done(null);
    worker.on('message', answer).on('exit', gone);
  });
  prewalks.set(input, { root, exts: exts.join('\0'), listing });
  worker.postMessage({ op: 'walk', id, root, exts: [...exts] } satisfies HelperRequest);
}

/**
 * The listing of `input` (normalized: `root`) walked by a prestarted helper for the same
 * extensions, or null when there is none (not asked, asked for other extensions, or the walk
 * failed): then walk it. Each listing is taken once.
 */
export async function takePrewalk(input: string, root: string, exts: readonly string[]): Promise<PrewalkListing | null> {
  const p = prewalks.get(input);
  if (p === undefined || p.root !== root || p.exts !== exts.join('\0')) return null;
  prewalks.delete(input);
  return p.listing;
}

/** How many prestarted helper threads wait to be taken. */
export function prestartedHelperThreads(): number {
  return prestarted.length;
}

/** A prestarted helper thread, or a new one. */
export function takeHelperThread(): Worker {
  for (let entry = prestarted.shift(); entry !== undefined; entry = prestarted.shift()) {
    entry.worker.off('error', entry.watch).off('exit', entry.watch);
    if (entry.failed) continue;
    entry.taken = true;
    entry.worker.ref();
    return entry.worker;
  }
  return startHelperThread();
}

export type HelperRequest =
  | { op: 'walk'; id: number; root: string; exts: string[] }
  | { op: 'read'; id: number; paths: string[] }
  | { op: 'release'; id: number }
  | { op: 'write'; paths: string[]; layout: Int32Array; buffers: SharedArrayBuffer[]; atomic: Uint8Array; progress?: SharedArrayBuffer };

/**
 * A read gives 'read' messages (places: chunk index, offset and length of each file read
 * since the last one; chunks: the chunks made since), then 'read-end' or an error; a write
 * gives 'written' or an error.
 */
export type HelperMessage =
  | { op: 'read'; id: number; places: Int32Array; chunks: SharedArrayBuffer[] }
  | { op: 'read-end'; id: number }
  | { op: 'written'; id?: undefined }
  | { op: 'walked'; id: number; failed: false; relPaths: string; count: number; skipped: Array<{ source: string; reason: string }> }
  | { op: 'walked'; id: number; failed: true }
  | HelperFailure;

export interface HelperFailure {
  op: 'error';
  request: 'read' | 'write';
  /** The read's id. */
  id?: number;
  message: string;
  code?: string;
  path?: string;
  syscall?: string;
  errno?: number;
}

/** The helper's error as the same error the main thread's fs call would have thrown. */
export function helperError(m: HelperFailure): Error {
  const e = new Error(m.message);
  if (m.code !== undefined) Object.assign(e, { code: m.code, path: m.path, syscall: m.syscall, errno: m.errno });
  return e;
}

/**
 * The helper thread's code. It is run from its source text, so it uses nothing from outside
 * but its arguments. (So it cannot call ArenaReader.readPath or output.ts's writeData: its
 * read and write loops repeat theirs.)
 */
function helperMain(threads: typeof import('node:worker_threads'), fs: typeof import('node:fs'), v8: typeof import('node:v8'), vm: typeof import('node:vm'), path: typeof import('node:path'), walk: typeof walkTree): void {
  const port = threads.parentPort!;
  const CHUNK = 1 << 20;
  const BATCH = 256;

  const errorMessage = (request: 'read' | 'write', e: unknown, path: string, id?: number) => {
    const err = e as NodeJS.ErrnoException;
    // read() errors (EISDIR) carry no path: name the file, as ArenaReader does.
    return { op: 'error', request, id, message: String(err?.message ?? e), code: err?.code, path: err?.path ?? path, syscall: err?.syscall, errno: err?.errno };
  };

  // The chunk being filled, kept from one read to the next (a read of a few files does not
  // take a chunk of its own). Chunks filled before wait in `filled` with the last read that
  // used them, until the main thread releases that read; then they are filled again.
  let chunk = new SharedArrayBuffer(CHUNK);
  let bytes = new Uint8Array(chunk);
  let used = 0;
  let lastRead = -1;
  const filled: Array<{ chunk: SharedArrayBuffer; lastRead: number }> = [];
  // Made with an element and emptied, so that its first push does not change its kind of
  // elements: that change made the optimized read loop deoptimize (wrong map), and compile
  // again.
  const free: SharedArrayBuffer[] = [chunk];
  free.length = 0;
  const release = (id: number) => {
    for (let i = 0; i < filled.length; ) {
      if (filled[i]!.lastRead <= id) free.push(filled.splice(i, 1)[0]!.chunk);
      else i++;
    }
  };

  const read = (id: number, paths: string[]) => {
    lastRead = id;
    // Chunk numbers count from this read's first chunk, the current one.
    let newChunks: SharedArrayBuffer[] = [chunk];
    let chunkIndex = 0;
    let places: number[] = [];
    const flush = () => {
      port.postMessage({ op: 'read', id, places: Int32Array.from(places), chunks: newChunks });
      places = [];
      newChunks = [];
    };
    for (const path of paths) {
      let fd: number;
      try {
        fd = fs.openSync(path, fs.constants.O_RDONLY);
      } catch (e) {
        flush();
        port.postMessage(errorMessage('read', e, path, id));
        return;
      }
      let start = used;
      let got = 0;
      try {
        // Until end of file: a short read is not the end on every file system (DebugFS).
        for (;;) {
          if (start + got === bytes.length) {
            filled.push({ chunk, lastRead });
            const size = Math.max(CHUNK, 2 * got + 4096);
            // (pop() runs whenever a chunk of the usual size is wanted, empty or not: a branch
            // first taken at the first release made the optimized loop deoptimize.)
            chunk = (size === CHUNK ? free.pop() : undefined) ?? new SharedArrayBuffer(size);
            const next = new Uint8Array(chunk);
            next.set(bytes.subarray(start, start + got));
            bytes = next;
            start = 0;
            newChunks.push(chunk);
            chunkIndex++;
          }
          const n = fs.readSync(fd, bytes, start + got, bytes.length - start - got, null);
          if (n === 0) break;
          got += n;
        }
      } catch (e) {
        fs.closeSync(fd);
        flush();
        port.postMessage(errorMessage('read', e, path, id));
        return;
      }
      fs.closeSync(fd);
      places.push(chunkIndex, start, got);
      // Each file starts at a multiple of 8 bytes (aligned word views), as in ArenaReader.
      used = Math.min(bytes.length, (start + got + 7) & ~7);
      if (places.length === 3 * BATCH) flush();
    }
    flush();
    port.postMessage({ op: 'read-end', id });
  };

  const made = new Set<string>();
  let writeFailed = false;
  // 'w', as a number: Node parses a flags string at each open.
  const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC;
  const write = (m: HelperRequest & { op: 'write' }) => {
    if (writeFailed) {
      port.postMessage({ op: 'error', request: 'write', message: 'file helper: not written after an earlier failure' });
      return;
    }
    // Pushed to an array literal: the arrays of Array.prototype.map did not all have the same
    // map, and the optimized write loop deoptimized (wrong map) and compiled again.
    const views: Uint8Array[] = [];
    for (const b of m.buffers) views.push(new Uint8Array(b));
    const progress = m.progress ? new Int32Array(m.progress) : null;
    let at = 0;
    const layout = m.layout;
    for (let f = 0; f < m.paths.length; f++) {
      const target = m.paths[f]!;
      const count = layout[at++]!;
      const first = at;
      at += 3 * count;
      const dir = target.slice(0, Math.max(target.lastIndexOf('/'), target.lastIndexOf('\\')));
      const atomic = m.atomic[f] === 1;
      const path = atomic ? `${target}.tarax-tmp-${process.pid}` : target;
      try {
        if (dir !== '' && !made.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        const fd = fs.openSync(path, WRITE_FLAGS);
        try {
          const pieces: Uint8Array[] = [];
          for (let i = first; i < at; i += 3) {
            if (layout[i + 2]! > 0) pieces.push(views[layout[i]!]!.subarray(layout[i + 1]!, layout[i + 1]! + layout[i + 2]!));
          }
          // writev may write less than asked: go on from where it stopped.
          while (pieces.length > 0) {
            let n = fs.writevSync(fd, pieces);
            while (pieces.length > 0 && n >= pieces[0]!.length) n -= pieces.shift()!.length;
            if (n > 0) pieces[0] = pieces[0]!.subarray(n);
          }
        } finally {
          fs.closeSync(fd);
        }
        if (atomic) fs.renameSync(path, target);
      } catch (e) {
        if (atomic) fs.rmSync(path, { force: true });
        writeFailed = true;
        port.postMessage(errorMessage('write', e, path));
        return;
      }
      if (progress) Atomics.add(progress, 0, 1);
    }
    port.postMessage({ op: 'written' });
  };

  // A full collection of this thread's small heap every 32 requests (a millisecond or two):
  // what it allocates per file otherwise piles up in its old generation, which grew with
  // the number of files read (merging 10 trees took more memory than 2).
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let requests = 0;
  port.on('message', (m: HelperRequest) => {
    if (++requests % 32 === 0) gc();
    if (m.op === 'walk') {
      // The relative paths as one string: 20,000 strings cloned one by one cost more.
      const relPaths: string[] = [];
      const skipped: Array<{ source: string; reason: string }> = [];
      try {
        walk(fs, path.sep, m.root, m.exts, (relPath) => relPaths.push(relPath), skipped);
        port.postMessage({ op: 'walked', id: m.id, failed: false, relPaths: relPaths.join('\0'), count: relPaths.length, skipped });
      } catch {
        port.postMessage({ op: 'walked', id: m.id, failed: true });
      }
    } else if (m.op === 'read') read(m.id, m.paths);
    else if (m.op === 'release') release(m.id);
    else write(m);
  });
}
