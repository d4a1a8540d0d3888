/**
 * Laws of the merge rules on generated profiles (fast-check): commutativity and
 * associativity where libgcov's rule has them (add, ior, time profile), and an example that
 * TOPN merging is order-dependent; the all-zero profile as identity; weights as repeated
 * merging; scaling and merging; summary laws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  foldRuns,
  mergeAdd,
  mergeCounters,
  mergeGcda,
  mergeIor,
  mergeTimeProfile,
  mergeTopn,
  scaleGcda,
  topnRecord,
  topnSites,
  versionWord,
  weightGcda,
  writeGcda,
  type CountersRecord,
  type GcdaFile,
  type TopnSite,
} from '../src/index.js';

const V12 = versionWord('B22*');
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const small = fc.bigInt({ min: 0n, max: 1000n });
const arr = (g: fc.Arbitrary<bigint>, n: number) => fc.array(g, { minLength: n, maxLength: n }).map((a) => BigInt64Array.from(a));
const same = (a: BigInt64Array, b: BigInt64Array) => expect(Array.from(a)).toEqual(Array.from(b));

describe('per-kind rules', () => {
  it('add is commutative and associative with 64-bit wrap-around, and 0 is its identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }).chain((n) => fc.tuple(arr(i64, n), arr(i64, n), arr(i64, n))), ([a, b, c]) => {
        same(mergeAdd(a, b), mergeAdd(b, a));
        same(mergeAdd(mergeAdd(a, b), c), mergeAdd(a, mergeAdd(b, c)));
        same(mergeAdd(a, new BigInt64Array(a.length)), a);
        for (let i = 0; i < a.length; i++) expect(mergeAdd(a, b)[i]).toBe(BigInt.asIntN(64, a[i]! + b[i]!));
      }),
    );
  });

  it('ior and time profile are commutative and associative; 0 is their identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }).chain((n) => fc.tuple(arr(i64, n), arr(i64, n), arr(i64, n))), ([a, b, c]) => {
        for (const f of [mergeIor, mergeTimeProfile]) {
          same(f(a, b), f(b, a));
          same(f(f(a, b), c), f(a, f(b, c)));
          same(f(a, new BigInt64Array(a.length)), a);
        }
      }),
    );
  });

  const site = fc
    .array(fc.tuple(fc.bigInt({ min: 1n, max: 60n }), fc.bigInt({ min: 1n, max: 50n })), { maxLength: 32 })
    .map((pairs): TopnSite => {
      const seen = new Set<bigint>();
      const uniq = pairs.filter(([v]) => (seen.has(v) ? false : (seen.add(v), true)));
      return { total: uniq.reduce((s, [, c]) => s + c, 0n), values: uniq.map(([v]) => v), counts: uniq.map(([, c]) => c) };
    });

  it('TOPN keeps totals and counts when nothing is evicted (as multisets, in either order)', () => {
    fc.assert(
      fc.property(site, site, (a, b) => {
        const distinct = new Set([...a.values, ...b.values]).size;
        fc.pre(distinct <= 32);
        const ab = topnSites(mergeTopn(topnRecord([a]), topnRecord([b])))[0]!;
        const ba = topnSites(mergeTopn(topnRecord([b]), topnRecord([a])))[0]!;
        expect(ab.total).toBe(a.total + b.total);
        const asMap = (s: TopnSite) => new Map(s.values.map((v, i) => [v, s.counts[i]!]));
        expect(asMap(ab)).toEqual(asMap(ba));
        // Memory's values first, in memory's order; then the file's new values in file order.
        expect(ab.values.slice(0, a.values.length)).toEqual(a.values);
      }),
    );
  });

  it('TOPN merging past 32 values depends on the order (libgcov semantics, not a law)', () => {
    const mk = (from: number, n: number, count: bigint): TopnSite => ({
      total: count * BigInt(n),
      values: Array.from({ length: n }, (_, i) => BigInt(from + i)),
      counts: Array.from({ length: n }, () => count),
    });
    const a = topnRecord([mk(1, 32, 5n)]);
    const b = topnRecord([mk(100, 8, 7n)]);
    const ab = topnSites(mergeTopn(a, b))[0]!;
    const ba = topnSites(mergeTopn(b, a))[0]!;
    expect(ab.total).toBeLessThan(0n); // values were lost
    expect(ba.total).toBeLessThan(0n);
    expect(new Set(ab.values)).not.toEqual(new Set(ba.values));
  });

  it('an all-zero run is the identity for every rule but TOPN order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }).chain((n) => arr(small, 3 * n)), (a) => {
        for (const rule of ['add', 'ior', 'time_profile', 'single'] as const) same(mergeCounters(rule, a, new BigInt64Array(a.length), 122), a);
      }),
    );
  });
});

/** A GCC 12 profile of `fns` functions with arcs and one ior record, and a run summary. */
function profile(arcs: bigint[][], ior: bigint[], runs = 1): GcdaFile {
  const max = arcs.flat().reduce((m, v) => (v > m ? v : m), 0n);
  return {
    type: 'gcda',
    byteOrder: 'little',
    version: V12,
    stamp: 0x1234,
    checksum: 0xabcd,
    trailer: new Uint8Array(4),
    records: [
      { type: 'summary', layout: 'runs', tag: 0xa1000000, runs, sumMax: Number(BigInt.asUintN(32, max)) },
      ...arcs.map((values, i) => ({
        type: 'function' as const,
        ident: i + 1,
        linenoChecksum: 7,
        cfgChecksum: 9,
        placeholder: false,
        records: [
          { type: 'counters', kind: 0, values: BigInt64Array.from(values), compactZero: false } as CountersRecord,
          { type: 'counters', kind: 6, values: BigInt64Array.from(ior), compactZero: false } as CountersRecord,
        ],
      })),
    ],
  };
}

const shape = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }));
const profiles = (k: number) =>
  shape.chain(([fns, n]) =>
    fc.array(
      fc.tuple(fc.array(fc.array(small, { minLength: n, maxLength: n }), { minLength: fns, maxLength: fns }), fc.array(small, { minLength: 2, maxLength: 2 })),
      { minLength: k, maxLength: k },
    ),
  );
const bytes = (f: GcdaFile) => Buffer.from(writeGcda(f)).toString('hex');

describe('whole-profile laws', () => {
  it('merging add/ior profiles is commutative and associative (byte for byte, summaries included)', () => {
    fc.assert(
      fc.property(profiles(3), (ps) => {
        const [a, b, c] = ps.map(([arcs, ior]) => profile(arcs, ior));
        expect(bytes(mergeGcda(a!, b!).file)).toBe(bytes(mergeGcda(b!, a!).file));
        expect(bytes(mergeGcda(mergeGcda(a!, b!).file, c!).file)).toBe(bytes(mergeGcda(a!, mergeGcda(b!, c!).file).file));
      }),
      { numRuns: 200 },
    );
  });

  it('summary laws: runs add and sum_max adds (modulo 2^32)', () => {
    fc.assert(
      fc.property(profiles(2), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (ps, r1, r2) => {
        const a = profile(ps[0]![0], ps[0]![1], r1);
        const b = profile(ps[1]![0], ps[1]![1], r2);
        const s = (f: GcdaFile) => f.records.find((r) => r.type === 'summary') as { runs: number; sumMax: number };
        const m = s(mergeGcda(a, b).file);
        expect(m.runs).toBe(r1 + r2);
        expect(m.sumMax).toBe((s(a).sumMax + s(b).sumMax) >>> 0);
      }),
      { numRuns: 200 },
    );
  });

  it('weight w equals merging the same run w times (counts and summary)', () => {
    fc.assert(
      fc.property(profiles(2), fc.integer({ min: 1, max: 4 }), (ps, w) => {
        const a = profile(ps[0]![0], ps[0]![1]);
        const b = profile(ps[1]![0], ps[1]![1]);
        const weighted = foldRuns([a, b], { weights: [1, w] }).file;
        const repeated = foldRuns([a, ...Array.from({ length: w }, () => b)]).file;
        expect(bytes(weighted)).toBe(bytes(repeated));
      }),
      { numRuns: 200 },
    );
  });

  it('scaling by an integer then merging equals merging then scaling (add and ior kinds)', () => {
    fc.assert(
      fc.property(profiles(2), fc.integer({ min: 0, max: 9 }), (ps, k) => {
        const a = profile(ps[0]![0], ps[0]![1]);
        const b = profile(ps[1]![0], ps[1]![1]);
        const s = { kind: 'fraction' as const, n: BigInt(k), d: 1n };
        expect(bytes(mergeGcda(scaleGcda(a, s), scaleGcda(b, s)).file)).toBe(bytes(scaleGcda(mergeGcda(a, b).file, s)));
      }),
      { numRuns: 200 },
    );
  });

  it('merging with an all-zero run of the same program changes only the summary', () => {
    fc.assert(
      fc.property(profiles(1), (ps) => {
        const a = profile(ps[0]![0], ps[0]![1]);
        const zero = profile(
          ps[0]![0].map((f) => f.map(() => 0n)),
          ps[0]![1].map(() => 0n),
        );
        const m = mergeGcda(a, zero).file;
        const strip = (f: GcdaFile) => bytes({ ...f, records: f.records.filter((r) => r.type !== 'summary') });
        // The merged record is written as libgcov writes it: an all-zero record in the short form.
        const canon = (f: GcdaFile) => ({
          ...f,
          records: f.records.map((r) =>
            r.type === 'function' ? { ...r, records: r.records.map((c) => (c.type === 'counters' ? { ...c, compactZero: c.values.length > 0 && c.values.every((v) => v === 0n) } : c)) } : r,
          ),
        });
        expect(strip(m)).toBe(strip(canon(a)));
        expect(weightGcda(a, 1)).toBe(a);
      }),
      { numRuns: 200 },
    );
  });
});
