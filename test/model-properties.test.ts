import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeVersion,
  readGcda,
  readGcno,
  versionWord,
  writeGcda,
  writeGcno,
  type CountersRecord,
  type GcdaFile,
  type GcdaFunction,
  type GcnoFile,
  type GcnoFunction,
} from '../src/index.js';

/** Versions of every generation the writer supports (GCC 3.4 ... 15, the letter and digit schemes). */
const VERSIONS = ['304*', '404*', '407*', '408*', '409*', '504*', '603*', 'A75*', 'A84*', 'A93*', 'B03*', 'B13*', 'B22*', 'B33*', 'B42*', 'B51*'];

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

const counters = (version: number): fc.Arbitrary<CountersRecord> => {
  const full = fc.record({ kind: fc.integer({ min: 0, max: 9 }), values: fc.array(i64, { maxLength: 40 }) }).map(({ kind, values }) => ({
    type: 'counters' as const,
    kind,
    values: BigInt64Array.from(values),
    compactZero: false,
  }));
  if (version < 110) return full;
  // GCC 11+ all-zero records with a negative length.
  const zero = fc.record({ kind: fc.integer({ min: 0, max: 9 }), n: fc.integer({ min: 1, max: 40 }) }).map(({ kind, n }) => ({
    type: 'counters' as const,
    kind,
    values: new BigInt64Array(n),
    compactZero: true,
  }));
  return fc.oneof(full, zero);
};

const gcdaFunction = (version: number): fc.Arbitrary<GcdaFunction> =>
  fc.record({ ident: u32, lc: u32, cfg: u32, placeholder: fc.boolean(), records: fc.array(counters(version), { maxLength: 6 }) }).map((r) =>
    r.placeholder
      ? { type: 'function', ident: 0, linenoChecksum: 0, cfgChecksum: null, placeholder: true, records: [] }
      : { type: 'function', ident: r.ident, linenoChecksum: r.lc, cfgChecksum: version >= 47 ? r.cfg : null, placeholder: false, records: r.records },
  );

const gcdaFile: fc.Arbitrary<GcdaFile> = fc
  .record({ v: fc.constantFrom(...VERSIONS), little: fc.boolean(), stamp: u32, checksum: u32, runs: u32, sumMax: u32, trailerWords: fc.integer({ min: 0, max: 2 }) })
  .chain((h) => {
    const word = versionWord(h.v);
    const num = decodeVersion(versionWord(h.v))!.number;
    return fc.array(gcdaFunction(num), { maxLength: 8 }).map(
      (fns): GcdaFile => ({
        type: 'gcda',
        byteOrder: h.little ? 'little' : 'big',
        version: word,
        stamp: h.stamp,
        checksum: num >= 120 ? h.checksum : null,
        records: [...(num >= 90 ? [{ type: 'summary' as const, layout: 'runs' as const, tag: 0xa1000000, runs: h.runs, sumMax: h.sumMax }] : []), ...fns],
        trailer: new Uint8Array(4 * h.trailerWords),
      }),
    );
  });

const name = fc.oneof(fc.constant(null), fc.string({ maxLength: 24, unit: 'grapheme' }).filter((s) => !s.includes('\0')));

const gcnoFile: fc.Arbitrary<GcnoFile> = fc
  .record({ v: fc.constantFrom(...VERSIONS), little: fc.boolean(), stamp: u32, cwd: name })
  .chain((h) => {
    const num = decodeVersion(versionWord(h.v))!.number;
    const fn = fc
      .record({
        ident: u32,
        lc: u32,
        cfg: u32,
        name,
        source: name,
        line: u32,
        col: u32,
        endLine: u32,
        endCol: u32,
        artificial: fc.integer({ min: 0, max: 1 }),
        blocks: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 }),
        arcs: fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 31 })), { maxLength: 6 }),
        lines: fc.array(fc.oneof(fc.integer({ min: 1, max: 100000 }), fc.string({ minLength: 0, maxLength: 12, unit: 'grapheme' }).filter((s) => !s.includes('\0'))), { maxLength: 6 }),
      })
      .map(
        (r): GcnoFunction => ({
          type: 'function',
          ident: r.ident,
          linenoChecksum: r.lc,
          cfgChecksum: num >= 47 ? r.cfg : null,
          name: r.name,
          artificial: num >= 80 ? r.artificial : null,
          source: r.source,
          startLine: r.line,
          startColumn: num >= 80 ? r.col : null,
          endLine: num >= 80 ? r.endLine : null,
          endColumn: num >= 90 ? r.endCol : null,
          records: [
            num >= 80 ? { type: 'blocks', count: r.blocks.length, flags: null } : { type: 'blocks', count: r.blocks.length, flags: Uint32Array.from(r.blocks) },
            { type: 'arcs', block: 0, arcs: r.arcs.flat() },
            { type: 'lines', block: 1, entries: r.lines },
            ...(num >= 140 ? [{ type: 'conditions' as const, words: Uint32Array.from([1, 2]) }] : []),
          ],
        }),
      );
    return fc.array(fn, { maxLength: 5 }).map((records): GcnoFile => {
      const f: GcnoFile = {
        type: 'gcno',
        byteOrder: h.little ? 'little' : 'big',
        version: versionWord(h.v),
        stamp: h.stamp,
        checksum: num >= 120 ? 0 : null,
        unexecutedBlocks: num >= 80 ? 1 : null,
        records,
        trailer: new Uint8Array(4),
      };
      if (num >= 90) f.cwd = h.cwd;
      return f;
    });
  });

describe('writer and reader are inverse on generated models', () => {
  it('gcda: read(write(m)) equals m and write(read(b)) equals b, every generation and byte order', () => {
    fc.assert(
      fc.property(gcdaFile, (m) => {
        const bytes = writeGcda(m);
        const back = readGcda(bytes);
        expect(back).toEqual(m);
        expect(Buffer.from(writeGcda(back)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('gcno: read(write(m)) equals m, strings unpadded in GCC 12+ and padded before', () => {
    fc.assert(
      fc.property(gcnoFile, (m) => {
        const bytes = writeGcno(m);
        const back = readGcno(bytes);
        expect(back).toEqual(m);
        expect(Buffer.from(writeGcno(back)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('gcno: an ARCS word that is not an unsigned 32-bit integer is refused, not wrapped', () => {
    const file = (arcs: number[]): GcnoFile => ({
      type: 'gcno',
      byteOrder: 'little',
      version: versionWord('B22*'),
      stamp: 1,
      checksum: 0,
      cwd: '/w',
      unexecutedBlocks: 1,
      records: [
        {
          type: 'function',
          ident: 1,
          linenoChecksum: 2,
          cfgChecksum: 3,
          name: 'f',
          artificial: 0,
          source: 'f.c',
          startLine: 1,
          startColumn: 1,
          endLine: 2,
          endColumn: 1,
          records: [{ type: 'arcs', block: 0, arcs }],
        },
      ],
      trailer: new Uint8Array(0),
    });
    expect(readGcno(writeGcno(file([1, 0xffffffff]))).records[0]).toMatchObject({ records: [{ type: 'arcs', block: 0, arcs: [1, 0xffffffff] }] });
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => writeGcno(file([1, bad])), String(bad)).toThrow(/ARCS record of block 0: arcs\[1\] is .*not an unsigned 32-bit word/);
    }
  });

  it('counters keep every 64-bit value exactly, in both byte orders', () => {
    fc.assert(
      fc.property(fc.array(i64, { minLength: 1, maxLength: 64 }), fc.boolean(), (values, little) => {
        const m: GcdaFile = {
          type: 'gcda',
          byteOrder: little ? 'little' : 'big',
          version: versionWord('B22*'),
          stamp: 1,
          checksum: 0,
          records: [{ type: 'function', ident: 1, linenoChecksum: 2, cfgChecksum: 3, placeholder: false, records: [{ type: 'counters', kind: 0, values: BigInt64Array.from(values), compactZero: false }] }],
          trailer: new Uint8Array(0),
        };
        const bytes = writeGcda(m);
        // Independent decoding of the bytes: low word first, each word in the file's byte order.
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const base = 16 + 8 + 12 + 8;
        values.forEach((v, i) => {
          const lo = BigInt(dv.getUint32(base + 8 * i, little));
          const hi = BigInt(dv.getInt32(base + 8 * i + 4, little));
          expect((hi << 32n) | lo).toBe(v);
        });
        const fn = readGcda(bytes).records[0] as GcdaFunction;
        expect(Array.from((fn.records[0] as CountersRecord).values)).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });
});
