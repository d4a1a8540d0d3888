/**
 * The helper thread that reads and writes files for gcda-summarize -j and gcda-merge -j:
 * bytes read in order and aligned, errors as the main thread's own fs calls give them,
 * writes from shared and unshared pieces, and read-ahead whose memory is filled again.
 */
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, normalize, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { IoHelper, PrefetchedFiles, splitRange, StreamedWrites } from '../src/tree/io-helper.js';
import { HELPER_MIN_FILES, prestartedHelperThreads, prestartHelperForTrees, prestartHelperThreads, takePrewalk, takeHelperThread } from '../src/tree/helper-thread.js';
import { collectInputs } from '../src/tree/inputs.js';
import { walkTree } from '../src/tree/walk.js';
import { TreeWriter } from '../src/tree/output.js';

let tmp: string;
let helper: IoHelper;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tarax-io-helper-'));
  helper = new IoHelper();
});
afterAll(async () => {
  await helper.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** n files of varied sizes (some empty, one larger than a chunk), with distinct contents. */
function makeFiles(dir: string, n: number): string[] {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const size = i === 7 ? 3 * 1024 * 1024 + 5 : i % 50 === 3 ? 0 : 1 + ((i * 7919) % 9000);
    const data = new Uint8Array(size);
    for (let k = 0; k < size; k++) data[k] = (i * 31 + k * 7) & 0xff;
    const p = join(dir, `f${String(i).padStart(5, '0')}.gcda`);
    writeFileSync(p, data);
    paths.push(p);
  }
  return paths;
}

/** `n` empty files named `e00000.gcda`... in `dir`: a tree large enough for a helper thread. */
function makeEmptyFiles(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `e${String(i).padStart(5, '0')}.gcda`), '');
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

describe('IoHelper', () => {
  it('reads files in order, in shared memory, each at a multiple of 8 bytes, across batches and chunks', async () => {
    const paths = makeFiles(join(tmp, 'read'), 700);
    const reads = helper.read(paths);
    for (const p of paths) {
      const bytes = await reads.next();
      expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(bytes.byteOffset % 8).toBe(0);
      expect(same(bytes, readFileSync(p)), p).toBe(true);
    }
    expect(reads.done).toBe(true);
    await expect(reads.next()).rejects.toThrow(RangeError);
  });

  it('gives the files before a missing one, then its ENOENT error naming it; a directory gives EISDIR naming it', async () => {
    const paths = makeFiles(join(tmp, 'missing'), 3);
    const reads = helper.read([paths[0]!, paths[1]!, join(tmp, 'missing', 'nope.gcda'), paths[2]!]);
    expect(same(await reads.next(), readFileSync(paths[0]!))).toBe(true);
    expect(same(await reads.next(), readFileSync(paths[1]!))).toBe(true);
    await expect(reads.next()).rejects.toMatchObject({ code: 'ENOENT', path: join(tmp, 'missing', 'nope.gcda') });
    const dir = helper.read([join(tmp, 'missing')]);
    await expect(dir.next()).rejects.toMatchObject({ code: 'EISDIR', path: join(tmp, 'missing') });
    // The helper goes on serving reads after an error.
    expect(same(await helper.read([paths[2]!]).next(), readFileSync(paths[2]!))).toBe(true);
  });

  it('writes files from shared and unshared pieces, making directories, directly or through a temporary name', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const plain = Uint8Array.from([100, 101, 102]);
    const progress = new Int32Array(new SharedArrayBuffer(4));
    const a = join(tmp, 'write', 'x', 'y', 'a.gcda');
    const b = join(tmp, 'write', 'b.gcda');
    await helper.write(
      [
        { path: a, atomic: false, pieces: [plain, shared.subarray(4, 8), new Uint8Array(0)] },
        { path: b, atomic: true, pieces: [shared.subarray(10), plain] },
      ],
      progress,
    );
    expect([...readFileSync(a)]).toEqual([100, 101, 102, 5, 6, 7, 8]);
    expect([...readFileSync(b)]).toEqual([11, 12, 13, 14, 15, 16, 100, 101, 102]);
    expect(progress[0]).toBe(2);
  });

  it('a failed write rejects naming the file, and the writes queued behind it are refused', async () => {
    const blocker = join(tmp, 'blocker');
    writeFileSync(blocker, 'a file, not a directory');
    const own = new IoHelper();
    try {
      const bad = own.write([{ path: join(blocker, 'sub', 'c.gcda'), atomic: false, pieces: [Uint8Array.from([1])] }]);
      const after = own.write([{ path: join(tmp, 'after.gcda'), atomic: false, pieces: [Uint8Array.from([1])] }]);
      await expect(bad).rejects.toMatchObject({ code: 'ENOTDIR' });
      await expect(after).rejects.toThrow(/not written after an earlier failure/);
    } finally {
      await own.close();
    }
  });
});

describe('IoHelper: memory of released reads is filled again, and only that', () => {
  it('a released read\'s chunk is reused by a later read; a read not released stays intact', async () => {
    // 200 KB files: 8 of them fill more than one 1 MiB chunk.
    const dir = join(tmp, 'reuse');
    mkdirSync(dir, { recursive: true });
    const paths = Array.from({ length: 32 }, (_, i) => {
      const p = join(dir, `r${i}.gcda`);
      writeFileSync(p, new Uint8Array(200_000).fill(i + 1));
      return p;
    });
    const own = new IoHelper();
    try {
      const readAll = async (list: string[]) => {
        const reads = own.read(list);
        const out: Uint8Array[] = [];
        for (let i = 0; i < list.length; i++) out.push(await reads.next());
        return { id: reads.id, out };
      };
      const first = await readAll(paths.slice(0, 8));
      const second = await readAll(paths.slice(8, 16));
      const third = await readAll(paths.slice(16, 24)); // nothing released: no reuse
      for (const [k, b] of [...first.out, ...second.out, ...third.out].entries()) expect(b.every((x) => x === k + 1), `file ${k}`).toBe(true);
      own.release(first.id);
      const fourth = await readAll(paths.slice(24, 32));
      for (const [k, b] of fourth.out.entries()) expect(b.every((x) => x === 25 + k)).toBe(true);
      // The second and third reads, not released, are intact; some of the first was overwritten.
      for (const [k, b] of [...second.out, ...third.out].entries()) expect(b.every((x) => x === k + 9), `file ${k + 8}`).toBe(true);
      expect(first.out.some((b, k) => !b.every((x) => x === k + 1))).toBe(true);
    } finally {
      await own.close();
    }
  });
});

describe('PrefetchedFiles', () => {
  it('gives every file of a long list in order, batches reused after release (automatic)', async () => {
    const paths = makeFiles(join(tmp, 'prefetch'), 1500);
    const expected = paths.map((p) => readFileSync(p));
    const ahead = new PrefetchedFiles([helper], paths.values(), { batchFiles: 100 });
    for (let i = 0; i < paths.length; i++) expect(same(await ahead.next(), expected[i]!), paths[i]).toBe(true);
    await expect(ahead.next()).rejects.toThrow(RangeError);
  });

  it('with manual release, bytes stay valid until released, with two helpers taking batches in turn', async () => {
    const paths = makeFiles(join(tmp, 'prefetch-manual'), 900);
    const expected = paths.map((p) => readFileSync(p));
    const second = new IoHelper();
    try {
      const ahead = new PrefetchedFiles([helper, second], paths.values(), { batchFiles: 64, release: 'manual' });
      let held: Array<{ i: number; bytes: Uint8Array }> = [];
      for (let i = 0; i < paths.length; i++) {
        held.push({ i, bytes: await ahead.next() });
        if (held.length === 150) {
          // Everything held is still intact, then released.
          for (const h of held) expect(same(h.bytes, expected[h.i]!), paths[h.i]).toBe(true);
          PrefetchedFiles.release(ahead.takeConsumed());
          held = [];
        }
      }
      for (const h of held) expect(same(h.bytes, expected[h.i]!)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe('PrefetchedFiles.nextSync', () => {
  it('gives each file once, in order, mixed with next(); undefined (and the same file next) while it has not arrived', async () => {
    const paths = makeFiles(join(tmp, 'next-sync'), 600);
    const ahead = new PrefetchedFiles([helper], paths.values(), { batchFiles: 100 });
    let waited = 0;
    for (const p of paths) {
      let bytes = ahead.nextSync();
      if (bytes === undefined) {
        waited++;
        bytes = await ahead.next();
      }
      expect(same(bytes, readFileSync(p)), p).toBe(true);
    }
    // The first file cannot have arrived when asked for at once.
    expect(waited).toBeGreaterThan(0);
    expect(() => ahead.nextSync()).toThrow(RangeError);
  });
});

describe('StreamedWrites', () => {
  /** Writes `n` files of makeFiles through a staged TreeWriter, returns the root and the writes. */
  async function streamTree(name: string, n: number, helpers: readonly IoHelper[], batch: number) {
    const sources = makeFiles(join(tmp, `${name}-src`), n);
    const root = join(tmp, `${name}-out`);
    const writer = new TreeWriter(root);
    expect(writer.staged).toBe(true);
    const writes = new StreamedWrites(writer, helpers, batch);
    const rel = (i: number) => `d${i % 7}/sub/${relative(join(tmp, `${name}-src`), sources[i]!)}`;
    const half = n >> 1;
    // What written() promised: when it resolves, every file added before it is complete.
    let completeAtHalf: boolean | undefined;
    for (const [i, p] of sources.entries()) {
      // Shared and unshared pieces, in a nested directory.
      const bytes = readFileSync(p);
      const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
      shared.set(bytes);
      writes.add(writer.placeRelative(rel(i)), [shared.subarray(0, 10), bytes.subarray(10)]);
      if (i === half) {
        void writes.written().then(() => {
          completeAtHalf = sources.slice(0, half + 1).every((q, k) => same(readFileSync(writer.placeRelative(rel(k)).path), readFileSync(q)));
        });
      }
    }
    await writes.finish();
    expect(completeAtHalf).toBe(true);
    writer.commit();
    for (const [i, p] of sources.entries()) expect(same(readFileSync(join(root, rel(i))), readFileSync(p)), p).toBe(true);
    return writes;
  }

  it('with a helper, every file is written, by one thread or the other, from its pieces', async () => {
    await streamTree('streamed', 1500, [helper], 16);
  });

  it('without helpers, the main thread writes every file', async () => {
    const writes = await streamTree('streamed-alone', 100, [], 16);
    expect(writes.ownWrites).toBe(100);
  });

  it('a failed write rejects finish(), and settle() waits for the helper to stop', async () => {
    const blocker = join(tmp, 'streamed-blocker');
    writeFileSync(blocker, 'a file, not a directory');
    const own = new IoHelper();
    try {
      const writer = new TreeWriter(join(tmp, 'streamed-bad-out'));
      const writes = new StreamedWrites(writer, [own], 2);
      writes.add({ path: join(blocker, 'x', 'a.gcda'), atomic: false }, [Uint8Array.from([1])]);
      writes.add({ path: join(blocker, 'x', 'b.gcda'), atomic: false }, [Uint8Array.from([2])]);
      await expect(writes.finish()).rejects.toMatchObject({ code: 'ENOTDIR' });
      await writes.settle();
    } finally {
      await own.close();
    }
  });
});

describe('prestarted helper threads', () => {
  it('are taken first, then new ones are started', async () => {
    prestartHelperThreads(1);
    const first = takeHelperThread();
    const second = takeHelperThread();
    try {
      expect(first).not.toBe(second);
      // Thread ids grow: the prestarted one was started before.
      expect(first.threadId).toBeLessThan(second.threadId);
    } finally {
      await Promise.all([first.terminate(), second.terminate()]);
    }
  });

  it('prestartHelperForTrees: one thread for a tree of HELPER_MIN_FILES files on 2 CPUs or more; none for a smaller tree, with -j, or for -o DIR and files', async () => {
    const dir = join(tmp, 'prestart-dir');
    const file = join(dir, 'a.gcda');
    // One file fewer than the threshold, in a subdirectory, then the file that reaches it.
    makeEmptyFiles(join(dir, 'sub'), HELPER_MIN_FILES - 1);
    const started = (args: string[]) => {
      prestartHelperForTrees(args);
      const n = prestartedHelperThreads();
      const taken = Array.from({ length: n }, () => takeHelperThread());
      return Promise.all(taken.map((w) => w.terminate())).then(() => n);
    };
    expect(prestartedHelperThreads()).toBe(0);
    expect(await started([dir, '-o', join(tmp, 'out')])).toBe(0);
    writeFileSync(file, '');
    expect(await started([dir, '-o', join(tmp, 'out')])).toBe(availableParallelism() >= 2 ? 1 : 0);
    expect(await started(['-q', file, join(tmp, 'no-such-path'), '-o', dir])).toBe(0);
    expect(await started(['--output', dir, file])).toBe(0);
    expect(await started([dir, '-j', '2', '-o', join(tmp, 'out')])).toBe(0);
    expect(await started(['--jobs=3', dir])).toBe(0);
  });

  it("a tree walked by the prestarted thread lists what collectInputs's own walk lists, and collectInputs takes it", async () => {
    // Files at several depths, other names, a dangling link (skipped with a reason), a link to
    // a file and one to a directory, given with a trailing separator (normalized).
    const dir = join(tmp, 'prewalk');
    makeEmptyFiles(join(dir, 'many'), HELPER_MIN_FILES);
    makeFiles(join(dir, 'b', 'c'), 30);
    makeFiles(join(dir, 'a'), 5);
    writeFileSync(join(dir, 'notes.txt'), 'not a profile');
    writeFileSync(join(dir, 'z.gcno'), 'x');
    symlinkSync(join(dir, 'nowhere.gcno'), join(dir, 'dangling.gcno'));
    symlinkSync(join(dir, 'z.gcno'), join(dir, 'b', 'link.gcno'));
    symlinkSync(join(dir, 'a'), join(dir, 'dirlink.gcda'));
    const input = dir + sep;
    const exts = ['.gcda', '.gcno'];
    const own = await collectInputs([input]);
    expect(own.files.length).toBe(HELPER_MIN_FILES + 37);
    expect(own.skipped.map((k) => k.source)).toEqual([join(dir, 'dangling.gcno')]);

    const walked = (files: Array<{ relPath: string; path?: string; source: string }>) => files.map((f) => [f.relPath, f.path, f.source]);
    prestartHelperForTrees([input, '-o', join(tmp, 'prewalk-out')], exts);
    const listing = await takePrewalk(input, normalize(input), exts);
    expect(listing).not.toBeNull();
    const mine: string[] = [];
    walkTree(fs, sep, normalize(input), exts, (relPath) => mine.push(relPath), []);
    expect(listing!.relPaths).toEqual(mine);
    expect(listing!.skipped).toEqual(own.skipped);
    // Taken once.
    expect(await takePrewalk(input, normalize(input), exts)).toBeNull();

    prestartHelperForTrees([input], exts);
    const viaHelper = await collectInputs([input]);
    expect(walked(viaHelper.files)).toEqual(walked(own.files));
    expect(viaHelper.skipped).toEqual(own.skipped);
    expect(await takePrewalk(input, normalize(input), exts), 'collectInputs did not take the listing').toBeNull();

    // Asked for other extensions, or for another input: not used.
    prestartHelperForTrees([input], ['.gcda']);
    expect(await takePrewalk(input, normalize(input), exts)).toBeNull();
    expect(await takePrewalk(dir, normalize(dir), ['.gcda'])).toBeNull();
    await Promise.all(Array.from({ length: prestartedHelperThreads() }, () => takeHelperThread().terminate()));
  });

  it('a process awaiting a walk waits for it, and one walk never taken does not keep it alive', () => {
    const dir = join(tmp, 'prewalk-exit');
    makeEmptyFiles(join(dir, 'x'), HELPER_MIN_FILES);
    const url = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'tree', 'helper-thread.js')).href;
    const script = [
      `import { prestartHelperForTrees, takePrewalk } from ${JSON.stringify(url)};`,
      `import { normalize } from 'node:path';`,
      `const dir = ${JSON.stringify(dir)};`,
      `prestartHelperForTrees([dir], ['.gcda']);`,
      `const listing = await takePrewalk(dir, normalize(dir), ['.gcda']);`,
      `console.log(listing === null ? 'none' : listing.relPaths.length);`,
      `prestartHelperForTrees([dir], ['.gcda']);`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    // On one CPU nothing is prestarted, and there is no listing.
    expect(r.stdout).toBe(availableParallelism() >= 2 ? `${HELPER_MIN_FILES}\n` : 'none\n');
    expect(r.status).toBe(0);
  });

  it('an unused prestarted thread does not keep the process alive', () => {
    const dist = join(import.meta.dirname, '..', 'dist', 'tree', 'helper-thread.js');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { prestartHelperThreads } from ${JSON.stringify(pathToFileURL(dist).href)}; prestartHelperThreads(2); console.log('done');`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('done\n');
    expect(r.status).toBe(0);
  });
});

describe('splitRange', () => {
  it('cuts a range into consecutive parts of nearly equal size', () => {
    expect(splitRange(10, 20, 3)).toEqual([
      [10, 13],
      [13, 17],
      [17, 20],
    ]);
    expect(splitRange(0, 0, 2)).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(splitRange(5, 9, 0)).toEqual([]);
  });
});
