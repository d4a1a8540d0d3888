/**
 * Summaries against independent oracles: libgcov's own files (GCC 11, 12, big-endian s390x
 * GCC 12, and LLVM's runtime for clang 16), the program summaries and histograms that GCC
 * 4.8-8's libgcov wrote into the corpus, GCC 3.4-4.7 checksums, and the real kernel harvest
 * checked against a computation that does not use the library.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ProgramSummaryBuilder,
  objectChecksum,
  readGcda,
  summarize,
  summarizedBytes,
  summaryTarget,
  writeGcda,
  type GcdaFile,
  type ProfileObject,
  type SummaryRecord,
} from '../src/index.js';
import { readTar } from '../src/tree/tar.js';
import { layoutOf, TAG_COUNTER_BASE, TAG_FUNCTION } from './helpers/bad-input-cases.js';
import { CORPUS, FIXTURES, findFiles } from './helpers/paths.js';

function load(path: string, name = path): { name: string; bytes: Uint8Array; file: GcdaFile } {
  const bytes = new Uint8Array(readFileSync(path));
  return { name, bytes, file: readGcda(bytes, { file: name }) };
}

function stripSummaries(file: GcdaFile): GcdaFile {
  return { ...file, records: file.records.filter((r) => r.type !== 'summary') };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('libgcov oracle: a run stripped of its summary comes back byte-identical', () => {
  const builds = ['gcc-12/profile-generate', 'gcc-12/coverage', 'gcc-11/profile-generate', 'gcc-11/coverage', 's390x-gcc-12/profile-generate', 'clang-16/coverage'];
  for (const build of builds) {
    for (const run of ['run1', 'run2', 'run3']) {
      it(`${build}/${run}`, () => {
        const dir = join(FIXTURES, build, run);
        const files = readdirSync(dir).filter((n) => n.endsWith('.gcda')).sort().map((n) => load(join(dir, n), `${build}/${run}/${n}`));
        expect(files.length).toBe(4);
        for (const f of files) expect(f.file.records.some((r) => r.type === 'summary')).toBe(true);
        const stripped: ProfileObject[] = files.map((f) => ({ name: f.name, file: stripSummaries(f.file) }));
        const strippedBytes = stripped.map((o) => writeGcda(o.file));
        const result = summarize(stripped);
        expect(result.replaced).toEqual([]);
        expect(result.summary.generation).toBe(build.startsWith('clang') ? 'llvm' : 'gcc-9');
        result.files.forEach((out, i) => {
          expect(hex(writeGcda(out)), files[i]!.name).toBe(hex(files[i]!.bytes));
          // The byte-splicing path gives the same bytes as writing the model.
          expect(hex(summarizedBytes(strippedBytes[i]!, result.summary, {}, summaryTarget(stripped[i]!.file))), files[i]!.name).toBe(hex(files[i]!.bytes));
          expect(hex(summarizedBytes(strippedBytes[i]!, result.summary)), files[i]!.name).toBe(hex(files[i]!.bytes));
        });
      });
    }
  }
});

describe('existing summaries', () => {
  const dir = join(FIXTURES, 'gcc-12/coverage/accumulated');
  const objects = readdirSync(dir).filter((n) => n.endsWith('.gcda')).sort().map((n) => load(join(dir, n)));
  it('are refused by default, naming the file', () => {
    expect(() => summarize(objects)).toThrow(/main\.gcda|arith\.gcda/);
    expect(() => summarize(objects)).toThrow(/already carries a summary record/);
  });
  it('are replaced with existing: "replace", and the differences reported', () => {
    const r = summarize(objects, { existing: 'replace' });
    expect(r.replaced.length).toBe(objects.length);
    for (const rep of r.replaced) {
      const before = rep.before[0] as SummaryRecord & { runs: number };
      expect(before.runs).toBe(3);
      expect((rep.after[0] as SummaryRecord & { runs: number }).runs).toBe(1);
      expect(rep.same).toBe(false);
    }
  });
});

describe('GCC 12+ object checksum', () => {
  it('recomputed from the FUNCTION records equals the compiler\'s on every GCC 12+ file without placeholders', () => {
    const files = [...findFiles(join(FIXTURES, 'gcc-12'), ['.gcda']), ...findFiles(join(FIXTURES, 's390x-gcc-12'), ['.gcda']), ...findFiles(CORPUS, ['.gcda'])];
    let checked = 0;
    for (const p of files) {
      const { file } = load(p);
      if (file.checksum === null || file.checksum === 0) continue;
      const c = objectChecksum(file);
      if (c === null) continue;
      expect(c, p).toBe(file.checksum);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(60);
  });
});

describe('GCC 4.8-8 program summaries in the corpus (libgcov-written, with histogram)', () => {
  const manifest = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n').map((l) => l.split('\t'));
  const rows = manifest.filter((r) => r[4] === 'gcda' && r[12] === 'yes');
  // A program = the histogram files of one directory and one version, fed in name order.
  const programs = new Map<string, string[]>();
  for (const r of rows) {
    const key = `${dirname(r[0]!)} ${r[6]}`;
    programs.set(key, [...(programs.get(key) ?? []), r[0]!]);
  }
  /** Files whose program is whole in the corpus and ran once: every field must match. */
  const WHOLE_SINGLE_RUN = [
    '08183080__gcov-example/@325f636235/foo.gcda',
    '08183080__gcov-example/@325f636235/main.gcda',
    'APolce__c4cs-f18-profile/main.gcda',
    'kennytm__cov/cov/test-data/branches.gcc7/x.gcda',
    'kennytm__cov/cov/test-data/loops.gcc7/x.gcda',
    'kennytm__cov/cov/test-data/trivial.gcc7/x.gcda',
    'mozilla__grcov/test/reader_gcc-6.gcda',
    'mozilla__grcov/test/reader_gcc-7.gcda',
    'mozilla__grcov/test/reader_gcc-8.gcda',
    'mozilla__grcov/test/only_one_gcda/main.gcda',
    'pyroelectronic__travis_qmake_gcc_cpp98_gcov/main.gcda',
    'tejainece__gcov/test/data/condCov/cond.gcda',
  ];
  /** Whole program, but its summary holds 3 runs: num and checksum can still be compared. */
  const WHOLE_SEVERAL_RUNS = ['tejainece__gcov/test/data/test2/main.gcda'];

  for (const [key, names] of programs) {
    it(`recomputes ${key} (${names.length} object${names.length > 1 ? 's' : ''})`, () => {
      const objs = names.map((n) => load(join(CORPUS, n), n));
      const result = summarize(objs.map((o) => ({ name: o.name, file: stripSummaries(o.file) })));
      const s = result.summary;
      expect(s.generation).toBe('gcc-4.8');
      for (const o of objs) {
        const stored = o.file.records.filter((r): r is SummaryRecord & { layout: 'counters' } => r.type === 'summary' && r.layout === 'counters');
        expect(stored.length).toBeGreaterThan(0);
        if (WHOLE_SINGLE_RUN.includes(o.name)) {
          expect(stored.length).toBe(1);
          const st = stored[0]!;
          expect(st.checksum, `${o.name} checksum`).toBe(s.checksum);
          expect(st.arcs).toEqual({ num: s.num, runs: 1, sumAll: s.sumAll, runMax: s.runMax, sumMax: s.sumMax, histogram: s.histogram });
          // And the file written is libgcov's, byte for byte.
          const i = objs.indexOf(o);
          expect(hex(writeGcda(result.files[i]!))).toBe(hex(o.bytes));
        } else if (WHOLE_SEVERAL_RUNS.includes(o.name)) {
          expect(stored[0]!.checksum).toBe(s.checksum);
          expect(stored[0]!.arcs.num).toBe(s.num);
          expect(stored[0]!.arcs.runs).toBeGreaterThan(1);
        } else {
          // Part of a bigger program than the corpus holds: its stored num counts objects we do not have.
          for (const st of stored) expect(st.arcs.num, o.name).toBeGreaterThan(s.num);
        }
      }
    });
  }
});

describe('GCC 3.4-4.7 summaries in the corpus', () => {
  it('GCC 4.6: object and program summary after the functions; checksum = crc32 of the .gcda path (homework-02, path from its binary)', () => {
    const o = load(join(CORPUS, 'leosurwiki__homework-02/main.gcda'), 'main.gcda');
    const r = summarize([{ name: o.name, file: stripSummaries(o.file), gcdaPath: '/home/yuzuka/Desktop/第二次/main.gcda' }]);
    expect(r.summary.generation).toBe('gcc-3.4');
    expect(hex(writeGcda(r.files[0]!))).toBe(hex(o.bytes));
  });
  it('GCC 4.4: a three-object program (eclipse test_c), checksum over the paths in constructor order', () => {
    const base = '/project/fperf/dev/rx1/TOOLSET_INTEGRATION/LinuxToolsProjectContribution/gcov/com.st.stgcov.test/test_c/';
    const dir = join(CORPUS, 'eclipse-linuxtools__org.eclipse.linuxtools/gcov/org.eclipse.linuxtools.gcov.test/test_c');
    const order = ['mult', 'main', 'fact'];
    const objs = order.map((n) => load(join(dir, `${n}.gcda`), n));
    const r = summarize(objs.map((o) => ({ name: o.name, file: stripSummaries(o.file), gcdaPath: `${base}${o.name}.gcda` })));
    r.files.forEach((f, i) => expect(hex(writeGcda(f)), objs[i]!.name).toBe(hex(objs[i]!.bytes)));
  });
  it('GCC 4.7: program summary first, without histogram; these objects are part of a bigger program', () => {
    const dir = join(CORPUS, 'pkoning2__dtcyber-cyber1');
    const objs = readdirSync(dir).filter((n) => n.endsWith('.gcda')).sort().map((n) => load(join(dir, n), n));
    const r = summarize(objs.map((o) => ({ name: o.name, file: stripSummaries(o.file) })));
    expect(r.summary.generation).toBe('gcc-4.7');
    expect(r.summary.histogram).toBeNull();
    for (const o of objs) {
      const st = o.file.records[0] as SummaryRecord & { layout: 'counters' };
      expect(st.layout).toBe('counters');
      expect(st.arcs.histogram).toBeNull();
      expect(st.arcs.num).toBeGreaterThan(r.summary.num); // 4003 arcs in the whole emulator
    }
    expect(r.files[0]!.records[0]!.type).toBe('summary');
  });
});

describe('the real kernel harvest (fixtures/kernel/harvest-A.tar.gz)', () => {
  const entries = readTar(new Uint8Array(readFileSync(join(FIXTURES, 'kernel/harvest-A.tar.gz'))), 'harvest-A')
    .filter((e) => e.type === 'file' && e.path.endsWith('.gcda'))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const objects = entries.map((e) => ({ name: e.path, bytes: e.data, file: readGcda(e.data, { file: e.path }) }));
  const result = summarize(objects);

  it('has no summaries, a zero checksum word and no end marker, as the kernel writes them', () => {
    expect(objects.length).toBe(851);
    for (const o of objects) {
      expect(o.file.records.some((r) => r.type === 'summary')).toBe(false);
      expect(o.file.checksum).toBe(0);
      expect(o.file.trailer.length).toBe(0);
    }
  });

  it('sum_max equals the largest arc counter of the whole harvest, computed without the library', () => {
    // Independent walk: FUNCTION records, then the arcs record (tag 0x01a10000) of each, values as BigInt.
    let max = 0n;
    let num = 0;
    for (const o of objects) {
      const layout = layoutOf(o.bytes);
      const dv = new DataView(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength);
      for (const rec of layout.records) {
        if (rec.tag !== TAG_COUNTER_BASE) continue;
        const at = rec.lengthOffset + 4;
        const n = (rec.end - at) / 8;
        num += n;
        for (let i = 0; i < n; i++) {
          const v = dv.getBigInt64(at + 8 * i, layout.little);
          if (v > max) max = v;
        }
      }
      expect(layout.records.filter((r) => r.tag === TAG_FUNCTION).length).toBeGreaterThan(0);
    }
    expect(result.summary.runMax).toBe(max);
    expect(BigInt(result.summary.sumMaxWritten)).toBe(BigInt.asUintN(32, max));
    expect(result.stats.arcs).toBe(num);
    expect(max).toBeLessThan(1n << 32n);
  });

  it('every file gets the same summary record, right after the header, and counters are untouched', () => {
    for (let i = 0; i < objects.length; i++) {
      const out = writeGcda(result.files[i]!);
      const inLayout = layoutOf(objects[i]!.bytes);
      const outLayout = layoutOf(out);
      expect(outLayout.records[0]!.tag).toBe(0xa1000000);
      const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
      const at = outLayout.records[0]!.lengthOffset + 4;
      expect(dv.getUint32(at, true)).toBe(1);
      expect(BigInt(dv.getUint32(at + 4, true))).toBe(result.summary.sumMaxWritten);
      // The input's records follow byte for byte (positive-length zero records included), then the end marker.
      const body = objects[i]!.bytes.subarray(inLayout.headerEnd);
      const outBody = out.subarray(outLayout.records[1]?.offset ?? outLayout.records[0]!.end, out.length - 4);
      expect(hex(outBody)).toBe(hex(body));
      expect(hex(out.subarray(out.length - 4))).toBe('00000000');
      expect(hex(summarizedBytes(objects[i]!.bytes, result.summary, {}, summaryTarget(objects[i]!.file)))).toBe(hex(out));
    }
  });

  it('fills the zero object checksum as the compiler computes it', () => {
    expect(result.objectChecksumsFilled).toBe(objects.length);
    const kept = summarize(objects, { fillObjectChecksum: false });
    expect(kept.files.every((f) => f.checksum === 0)).toBe(true);
  });
});

describe('ProgramSummaryBuilder.addBytes: the model path without the model', () => {
  // add(readGcda(bytes)) + summaryTarget(readGcda(bytes)) against addBytes (falling back to
  // the model where it returns null), file by file and for the whole set.
  function both(entries: Array<{ name: string; bytes: Uint8Array }>) {
    const viaModel = new ProgramSummaryBuilder({ existing: 'replace' });
    const viaBytes = new ProgramSummaryBuilder({ existing: 'replace' });
    let scanned = 0;
    for (const e of entries) {
      const file = readGcda(e.bytes, { file: e.name });
      viaModel.add(e.name, file);
      const expected = summaryTarget(file);
      const t = viaBytes.addBytes(e.name, e.bytes);
      if (t === null) viaBytes.add(e.name, file);
      else {
        scanned++;
        expect(t, e.name).toEqual(expected);
      }
      expect(viaBytes.stats, e.name).toEqual(viaModel.stats);
    }
    return { model: viaModel.finish(), bytes: viaBytes.finish(), scanned };
  }

  const stripped = (p: string) => {
    const bytes = new Uint8Array(readFileSync(p));
    const file = readGcda(bytes, { file: p });
    return { name: p, bytes: writeGcda({ ...file, records: file.records.filter((r) => r.type !== 'summary') }).slice() };
  };

  it('the kernel harvest: every file scanned, the same summary and targets', () => {
    const entries = readTar(new Uint8Array(readFileSync(join(FIXTURES, 'kernel/harvest-A.tar.gz'))), 'h')
      .filter((e) => e.type === 'file' && e.path.endsWith('.gcda'))
      .map((e) => ({ name: e.path, bytes: e.data }));
    const r = both(entries);
    expect(r.scanned).toBe(entries.length);
    expect(r.bytes).toEqual(r.model);
    expect(r.model.summary.runMax).toBeGreaterThan(0n);
  });

  it('every fixture and corpus .gcda, as written and stripped of its summaries, one program per directory', () => {
    const files = [...findFiles(FIXTURES, ['.gcda']), ...findFiles(CORPUS, ['.gcda'])];
    const byDir = new Map<string, string[]>();
    for (const f of files) byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), f]);
    let scanned = 0;
    for (const [, group] of byDir) {
      for (const entries of [group.map((p) => ({ name: p, bytes: new Uint8Array(readFileSync(p)) })), group.map(stripped)]) {
        // One program is one version: group by version word.
        const byVersion = new Map<number, typeof entries>();
        for (const e of entries) {
          const v = readGcda(e.bytes).version;
          byVersion.set(v, [...(byVersion.get(v) ?? []), e]);
        }
        for (const [, set] of byVersion) {
          const r = both(set);
          scanned += r.scanned;
          expect(r.bytes).toEqual(r.model);
        }
      }
    }
    expect(scanned).toBeGreaterThan(20); // the stripped GCC 9+ files take the byte path
  });

  it('damaged kernel files: the same error from both paths, or the same result', () => {
    const entries = readTar(new Uint8Array(readFileSync(join(FIXTURES, 'kernel/harvest-A.tar.gz'))), 'h').filter((e) => e.type === 'file' && e.path.endsWith('.gcda'));
    fc.assert(
      fc.property(fc.nat(entries.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), (i, edits) => {
        const bytes = entries[i]!.data.slice();
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        let modelError: string | null = null;
        let expected;
        try {
          const file = readGcda(bytes, { file: 'f' });
          const b = new ProgramSummaryBuilder({ existing: 'replace' });
          b.add('f', file);
          expected = { target: summaryTarget(file), stats: { ...b.stats }, summary: b.finish() };
        } catch (e) {
          modelError = (e as Error).message;
        }
        const b = new ProgramSummaryBuilder({ existing: 'replace' });
        try {
          const t = b.addBytes('f', bytes);
          if (t === null) return; // the model path's own
          expect(modelError).toBeNull();
          expect({ target: t, stats: { ...b.stats }, summary: b.finish() }).toEqual(expected);
        } catch (e) {
          expect((e as Error).message).toBe(modelError);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('Sum64', () => {
  it('addHalves(sum of high words, sum of low words) equals adding each value, modulo 2^64', async () => {
    const { Sum64 } = await import('../src/algorithms/int64.js');
    const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    fc.assert(
      fc.property(fc.array(fc.array(int64, { maxLength: 40 }), { maxLength: 6 }), fc.array(int64, { maxLength: 5 }), (slices, before) => {
        const each = new Sum64();
        const halves = new Sum64();
        for (const v of before) {
          each.addBig(v);
          halves.addBig(v);
        }
        let expected = before.reduce((a, b) => a + b, 0n);
        for (const slice of slices) {
          let hiSum = 0;
          let loSum = 0;
          for (const v of slice) {
            const u = BigInt.asUintN(64, v);
            hiSum += Number(u >> 32n) | 0;
            loSum += Number(u & 0xffffffffn);
            each.addBig(v);
            expected += v;
          }
          halves.addHalves(hiSum, loSum);
        }
        expect(halves.value()).toBe(BigInt.asIntN(64, expected));
        expect(each.value()).toBe(BigInt.asIntN(64, expected));
      }),
      { numRuns: 2000 },
    );
    // the extreme the scan allows: 2^21 values of 2^64 - 1 (hi -1, lo 2^32 - 1) in one slice
    const s = new Sum64();
    s.addHalves(-(2 ** 21), (2 ** 32 - 1) * 2 ** 21);
    expect(s.value()).toBe(BigInt.asIntN(64, -(2n ** 21n)));
  });
});
