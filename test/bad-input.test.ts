/**
 * Damaged input: real files of every generation truncated at every offset, and one file per
 * category of damage (wrong magic, unknown version, a length past the end, a huge counter
 * count, zeros, empty, 3 bytes), through the API and through the two CLIs. The only
 * acceptable failure is a GcovFormatError naming the file and an offset inside it; the CLIs
 * print one line and write nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcovFormatError, readGcda, readGcno, readGcovFile } from '../src/index.js';
import { readTar } from '../src/node.js';
import {
  REPO_ROOT,
  checkContract,
  cutInfo,
  emptyCase,
  hugeCompactZeroCase,
  hugeCountCase,
  layoutOf,
  lengthPastEndCase,
  loadSample,
  modelArrayBytes,
  threeBytesCase,
  truncatedCase,
  unknownVersionCase,
  wrongMagicCase,
  zerosCase,
  type BadCase,
  type Sample,
} from './helpers/bad-input-cases.js';

const MB = 1024 * 1024;

/** Real files of different generations, byte orders and producers. */
const SAMPLES: Array<{ what: string; rel: string }> = [
  { what: 'gcc-12 .gcda (profile-generate: all value profilers)', rel: 'fixtures/gcc-12/profile-generate/run2/arith.gcda' },
  { what: 'gcc-11 .gcda (accumulated, evicted topn)', rel: 'fixtures/gcc-11/profile-generate/accumulated/dispatch.gcda' },
  { what: 'big-endian s390x gcc-12 .gcda', rel: 'fixtures/s390x-gcc-12/profile-generate/run1/buffers.gcda' },
  { what: 'gcc-12 .gcno (byte lengths, byte strings)', rel: 'fixtures/gcc-12/coverage/arith.gcno' },
  { what: 'gcc-11 .gcno', rel: 'fixtures/gcc-11/coverage/arith.gcno' },
  { what: 'big-endian s390x gcc-12 .gcno', rel: 'fixtures/s390x-gcc-12/profile-generate/buffers.gcno' },
  { what: 'clang-16 .gcda (408*, LLVM trailer)', rel: 'fixtures/clang-16/coverage/run1/dispatch.gcda' },
  { what: 'GCC 7.4 .gcda with histogram', rel: '../shared/corpus/mozilla__grcov/test/reader_gcc-7.gcda' },
  { what: 'GCC 4.8 .gcda with histogram and stale bytes after EOF', rel: '../shared/corpus/NiklasLundstrom__Fourier-Motzkin/error.gcda' },
  { what: 'LLVM 402* .gcda (function names)', rel: '../shared/corpus/Fedya1998__fizzbuzz/fizzbuzz.gcda' },
  { what: 'LLVM 402* .gcno', rel: '../shared/corpus/kennytm__cov/cov/test-data/branches.clang/x.gcno' },
  { what: 'GCC 4.4 .gcno (block flags)', rel: '../shared/corpus/eclipse-linuxtools__org.eclipse.linuxtools/gcov/org.eclipse.linuxtools.gcov.test/test_c/fact.gcno' },
  { what: 'GCC 4.7 .gcda', rel: '../shared/corpus/pkoning2__dtcyber-cyber1/log.gcda' },
  { what: 'GCC 15.1 .gcno', rel: '../shared/corpus/cviogomes__PDS2-20251-TF-RPGMedieval/@0459b78db8/obj/Musica.gcno' },
  { what: 'GCC 14.2 .gcda (status byte is a space, negative lengths)', rel: '../shared/corpus/kzueirf12345__mandelbrat2/build/flags/flags.gcda' },
];

const samples: Array<Sample & { what: string }> = SAMPLES.map(({ what, rel }) => ({ what, ...loadSample(rel) }));
const byRel = (rel: string) => samples.find((s) => s.label === rel)!;

/** Reads `c.bytes` expecting a GcovFormatError that names `label`, at `c.offset`. */
function expectFormatError(c: BadCase, label: string, read: (b: Uint8Array, file: string) => unknown = readGcovFile): GcovFormatError {
  let err: unknown;
  try {
    read(c.bytes, label);
  } catch (e) {
    err = e;
  }
  expect(err, `${c.category}: expected a GcovFormatError`).toBeInstanceOf(GcovFormatError);
  const e = err as GcovFormatError;
  expect(e.file).toBe(label);
  expect(e.message).toBe(`${label}: at byte ${e.offset}: ${e.reason}`);
  expect(e.offset).toBeGreaterThanOrEqual(0);
  expect(e.offset).toBeLessThanOrEqual(c.bytes.length);
  if (c.offset !== undefined) expect(e.offset, `${c.category}: ${e.message}`).toBe(c.offset);
  if (c.reason) expect(e.reason).toMatch(c.reason);
  return e;
}

describe('truncated at every offset', () => {
  for (const s of samples) {
    it(`${s.what}: ${s.label} (${s.bytes.length} bytes)`, { timeout: 30_000 }, () => {
      const layout = layoutOf(s.bytes);
      // The truncated file is a view into a buffer that still holds the rest of the real file
      // (at an odd byte offset): a reader that looks past bytes.length, or assumes
      // byteOffset 0 or alignment, gets caught.
      const backing = new Uint8Array(s.bytes.length + 8);
      backing.set(s.bytes, 3);
      let parsed = 0;
      const started = performance.now();
      for (let cut = 0; cut < s.bytes.length; cut++) {
        const view = backing.subarray(3, 3 + cut);
        const info = cutInfo(layout, cut);
        const outcome = checkContract(view, s.label);
        if (outcome.kind === 'model') {
          parsed++;
          expect(info.valid, `cut at ${cut} read without error, but is not on a record boundary`).toBe(true);
        } else {
          expect(info.valid, `cut at ${cut} is on a record boundary but failed: ${outcome.error.message}`).toBe(false);
          // The error points into the record (or header) the cut went through, not beyond the cut.
          expect(outcome.error.offset, `cut at ${cut}: ${outcome.error.message}`).toBeGreaterThanOrEqual(info.damagedFrom);
          expect(outcome.error.offset, `cut at ${cut}: ${outcome.error.message}`).toBeLessThanOrEqual(cut);
        }
      }
      expect(parsed).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(20_000);
      // And the whole file reads and writes back identically.
      expect(checkContract(s.bytes, s.label).kind).toBe('model');
    });
  }
});

describe('damage of each category, through the API', () => {
  for (const s of samples) {
    describe(`${s.what}: ${s.label}`, () => {
      it('wrong magic', () => {
        expectFormatError(wrongMagicCase(s), s.label);
      });
      it("unknown version word 'zzzz'", () => {
        expectFormatError(unknownVersionCase(s), s.label);
      });
      it('the first record length runs past the end: the error points at that length word', () => {
        expectFormatError(lengthPastEndCase(s), s.label);
      });
      it('3-byte file', () => {
        const e = expectFormatError(threeBytesCase(s), s.label);
        expect(e.reason).toMatch(/3 bytes|short/);
      });
      it('counter count 0x7ffffff0: fails fast, without allocating', () => {
        const c = hugeCountCase(s);
        const before = process.memoryUsage();
        const started = performance.now();
        expectFormatError(c, s.label);
        const elapsed = performance.now() - started;
        const after = process.memoryUsage();
        expect(elapsed).toBeLessThan(1000);
        expect(after.rss - before.rss).toBeLessThan(50 * MB);
        expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(50 * MB);
      });
    });
  }

  it('4096 zero bytes: the message says the file holds only zero bytes', () => {
    for (const read of [readGcovFile, (b: Uint8Array, file: string) => readGcda(b, { file }), (b: Uint8Array, file: string) => readGcno(b, { file })]) {
      expectFormatError(zerosCase(), 'zeros.gcda', read);
    }
  });

  it('empty file: the message says it is empty and that tar/cp of DebugFS files give empty files', () => {
    for (const read of [readGcovFile, (b: Uint8Array, file: string) => readGcda(b, { file }), (b: Uint8Array, file: string) => readGcno(b, { file })]) {
      const e = expectFormatError(emptyCase(), 'kernel/fs/open.gcda', read);
      expect(e.reason).toMatch(/\btar\b/);
      expect(e.reason).toMatch(/\bcp\b/);
      expect(e.reason).toMatch(/DebugFS/);
    }
  });

  it('readGcda of a notes file and readGcno of a data file fail at byte 0', () => {
    const gcno = byRel('fixtures/gcc-12/coverage/arith.gcno');
    const gcda = byRel('fixtures/gcc-12/profile-generate/run2/arith.gcda');
    expectFormatError({ category: 'kind', bytes: gcno.bytes, offset: 0, reason: /gcda/ }, 'x.gcda', (b, file) => readGcda(b, { file }));
    expectFormatError({ category: 'kind', bytes: gcda.bytes, offset: 0, reason: /gcno/ }, 'x.gcno', (b, file) => readGcno(b, { file }));
  });

  it('every prefix of 4..15 bytes of a GCC 12 file (magic, then part of the 16-byte header) fails at byte 4 or later', () => {
    const s = byRel('fixtures/gcc-12/profile-generate/run2/arith.gcda');
    for (let n = 4; n < 16; n++) {
      const c: BadCase = { category: `${n}-byte prefix`, bytes: s.bytes.slice(0, n) };
      const e = expectFormatError(c, s.label);
      expect(e.offset).toBeGreaterThanOrEqual(4);
    }
  });

  // GCC 11+ writes all-zero counter arrays as a record with a negative length and no payload.
  // LEN = 0x80000000 claims 2^30 (word lengths) or 2^28 (byte lengths) counters in an
  // 8-byte record. Rejecting it or keeping it lazily is fine; materializing gigabytes is not.
  for (const rel of ['fixtures/gcc-11/profile-generate/accumulated/dispatch.gcda', 'fixtures/gcc-12/profile-generate/run2/arith.gcda']) {
    it(`all-zero counter record claiming 2^28..2^30 counters (LEN 0x80000000) does not allocate them: ${rel}`, () => {
      const s = byRel(rel);
      const c = hugeCompactZeroCase(s)!;
      const before = process.memoryUsage();
      const started = performance.now();
      let held = 0;
      let allocated = 0;
      try {
        const model = readGcovFile(c.bytes, s.label);
        held = modelArrayBytes(model);
        allocated = process.memoryUsage().arrayBuffers - before.arrayBuffers;
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(GcovFormatError);
        expect((e as GcovFormatError).offset).toBe(c.offset);
      }
      expect(performance.now() - started).toBeLessThan(1000);
      expect(held, 'bytes of counter arrays in the model read from a file of a few KB').toBeLessThan(50 * MB);
      expect(allocated, 'process.memoryUsage().arrayBuffers growth').toBeLessThan(50 * MB);
    });
  }
});

// ---------------------------------------------------------------------------------------
// The CLIs, one bad file per category (19 spawns in all).

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--max-old-space-size=512', ...args],
      { cwd: REPO_ROOT, timeout: 20_000, maxBuffer: 16 * MB, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
      },
    );
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('CLIs on bad input', () => {
  const dump = join(REPO_ROOT, 'bin', 'gcda-dump.js');
  const rewrite = join(REPO_ROOT, 'bin', 'gcda-rewrite.js');
  let tmp = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tarax-bad-input-'));
    // `npm test` builds dist/ first; build it here too when running vitest alone on a fresh tree.
    if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'gcda-dump.js'))) {
      const r = await runNode([join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', REPO_ROOT]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const gcda12 = () => byRel('fixtures/gcc-12/profile-generate/run2/arith.gcda');
  const CASES: Array<{ name: string; make: () => BadCase }> = [
    { name: 'truncated.gcda', make: () => truncatedCase(gcda12()) },
    { name: 'wrong-magic.gcda', make: () => wrongMagicCase(byRel('fixtures/gcc-11/profile-generate/accumulated/dispatch.gcda')) },
    { name: 'unknown-version.gcno', make: () => unknownVersionCase(byRel('fixtures/gcc-12/coverage/arith.gcno')) },
    { name: 'length-past-end.gcda', make: () => lengthPastEndCase(byRel('fixtures/s390x-gcc-12/profile-generate/run1/buffers.gcda')) },
    { name: 'huge-count.gcda', make: () => hugeCountCase(byRel('../shared/corpus/mozilla__grcov/test/reader_gcc-7.gcda')) },
    { name: 'zeros.gcda', make: zerosCase },
    { name: 'empty.gcda', make: emptyCase },
    { name: 'three-bytes.gcno', make: () => threeBytesCase(byRel('fixtures/gcc-11/coverage/arith.gcno')) },
    { name: 'truncated-llvm.gcda', make: () => truncatedCase(byRel('../shared/corpus/Fedya1998__fizzbuzz/fizzbuzz.gcda')) },
  ];

  it('sanity: gcda-rewrite copies the good file when it is alone', { timeout: 30_000 }, async () => {
    const good = gcda12();
    const out = join(tmp, 'out-good');
    const r = await runNode([rewrite, good.path, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(filesUnder(out).length).toBe(1);
  });

  it('gcda-dump of a directory or a missing file: one line naming it', { timeout: 30_000 }, async () => {
    for (const [arg, reason] of [[tmp, 'is a directory'], [join(tmp, 'missing.gcda'), 'no such file or directory']] as const) {
      const d = await runNode([dump, arg]);
      expect(d.status).toBe(2);
      expect(d.stdout).toBe('');
      expect(d.stderr).toBe(`gcda-dump: ${arg}: ${reason}\n`);
    }
  });

  it('gcda-rewrite of 2,553 files with a damaged one near the end: one line, and neither OUT nor its staging tree is left (helper threads had written batches)', { timeout: 60_000 }, async () => {
    // A new OUT is written as a staging tree while the inputs are read (StreamedWrites): the
    // helper has written several batches of 256 files by the time the damaged file is read.
    const harvest = readTar(readFileSync(join(REPO_ROOT, 'fixtures/kernel/harvest-A.tar.gz')), 'harvest-A').filter((e) => e.type === 'file' && e.path.endsWith('.gcda'));
    const tree = join(tmp, 'big-tree');
    const names: string[] = [];
    for (let copy = 0; copy < 3; copy++) {
      for (const e of harvest) {
        const p = join(tree, `copy${copy}`, e.path.replace(/^\.\//, ''));
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, e.data);
        names.push(p);
      }
    }
    names.sort();
    const damaged = names[names.length - 40]!;
    const bytes = readFileSync(damaged);
    writeFileSync(damaged, bytes.subarray(0, bytes.length - 5));
    const out = join(tmp, 'out-big');
    const w = await runNode([rewrite, tree, '-o', out]);
    expect(w.signal, 'gcda-rewrite was killed (timeout?)').toBeNull();
    expect(w.status, w.stderr).toBe(2);
    const lines = w.stderr.split('\n').filter((l) => l !== '');
    expect(lines, w.stderr).toHaveLength(1);
    expect(lines[0]).toContain(damaged);
    expect(existsSync(out), 'OUT exists after a failure').toBe(false);
    expect(readdirSync(tmp).filter((n) => n.startsWith('out-big')), 'a staging tree was left behind').toEqual([]);
    // The same tree without the damage is written in full, byte for byte.
    writeFileSync(damaged, bytes);
    const ok = await runNode([rewrite, tree, '-o', out, '--check']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(filesUnder(out).length).toBe(names.length);
    // Every file, from disk: the helpers read into memory that is filled again once written
    // (--check compares the encoded bytes with the input in memory, not the written file).
    for (const n of names) expect(Buffer.compare(readFileSync(join(out, n.slice(tree.length + 1))), readFileSync(n)), n).toBe(0);
  });

  for (const c of CASES) {
    it(`${c.name}: gcda-dump fails with one line; gcda-rewrite GOOD BAD writes nothing`, { timeout: 30_000 }, async () => {
      const bad = c.make();
      const badPath = join(tmp, c.name);
      writeFileSync(badPath, bad.bytes);
      const out = join(tmp, `out-${c.name}`);
      const [d, w] = await Promise.all([runNode([dump, badPath]), runNode([rewrite, gcda12().path, badPath, '-o', out])]);

      expect(d.signal, 'gcda-dump was killed (timeout?)').toBeNull();
      expect(d.status, d.stderr).not.toBe(0);
      expect(d.status).toBe(2);
      expect(d.stdout).toBe('');
      const lines = d.stderr.split('\n').filter((l) => l !== '');
      expect(lines, d.stderr).toHaveLength(1);
      expect(d.stderr.endsWith('\n')).toBe(true);
      expect(lines[0]).toContain(badPath);
      expect(lines[0]).toContain('byte');
      expect(lines[0]!.startsWith('gcda-dump: ')).toBe(true);
      if (bad.offset !== undefined) expect(lines[0]).toContain(`at byte ${bad.offset}:`);

      expect(w.signal, 'gcda-rewrite was killed (timeout?)').toBeNull();
      expect(w.status, w.stderr).not.toBe(0);
      const wlines = w.stderr.split('\n').filter((l) => l !== '');
      expect(wlines, w.stderr).toHaveLength(1);
      expect(wlines[0]).toContain(badPath);
      expect(wlines[0]).toContain('byte');
      expect(filesUnder(out), 'gcda-rewrite wrote output although an input was bad').toEqual([]);
    });
  }
});
