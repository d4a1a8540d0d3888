/**
 * Laws of the GCC 4.8-8 histogram (fast-check): bucket boundaries, and num / cum_value / min
 * totals against the counters they were built from; merge conserves the counters of the
 * target and the mass of both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HISTOGRAM_BUCKETS,
  histogramBucketLowerBound,
  histogramIndex,
  histogramIndexWords,
  histogramOf,
  mergeHistograms,
  type HistogramBucket,
} from '../src/index.js';

/** The definition in words (reference §8.1), as a slow BigInt loop. */
function naiveIndex(value: bigint): number {
  const v = BigInt.asUintN(64, value);
  if (v < 4n) return Number(v);
  let r = 0;
  while (v >> BigInt(r + 1) !== 0n) r++;
  const b = Number((v >> BigInt(r - 2)) & 3n);
  return (r - 1) * 4 + b;
}

const counter = fc.oneof(
  fc.bigInt({ min: 0n, max: 100n }),
  fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
);
const counters = fc.array(counter, { maxLength: 300 });
const nonNegative = fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 1n << 45n })), { maxLength: 300 });

const sum = (h: readonly HistogramBucket[], f: (b: HistogramBucket) => bigint) => h.reduce((s, b) => BigInt.asIntN(64, s + f(b)), 0n);

describe('histogramIndex', () => {
  it('matches the documented examples', () => {
    const cases: Array<[bigint, number]> = [[0n, 0], [3n, 3], [4n, 4], [7n, 7], [8n, 8], [9n, 8], [10n, 9], [12n, 10], [14n, 11], [16n, 12], [1n << 63n, 248], [(1n << 64n) - 1n, 251], [-1n, 251]];
    for (const [v, i] of cases) expect(histogramIndex(v), `${v}`).toBe(i);
  });

  it('agrees with the definition, and the word form with the BigInt form', () => {
    fc.assert(
      fc.property(counter, (v) => {
        const u = BigInt.asUintN(64, v);
        expect(histogramIndex(v)).toBe(naiveIndex(v));
        expect(histogramIndexWords(Number(u >> 32n) | 0, Number(u & 0xffffffffn) | 0)).toBe(naiveIndex(v));
      }),
      { numRuns: 5000 },
    );
  });

  it('every bucket starts at its lower bound and ends just before the next one', () => {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      const lo = histogramBucketLowerBound(i);
      expect(histogramIndex(lo), `bucket ${i} lower bound ${lo}`).toBe(i);
      if (i > 0) expect(histogramIndex(lo - 1n), `below bucket ${i}`).toBe(i - 1);
    }
    expect(histogramBucketLowerBound(HISTOGRAM_BUCKETS - 1) < 1n << 64n).toBe(true);
  });

  it('is monotonic in the unsigned value', () => {
    fc.assert(
      fc.property(counter, counter, (a, b) => {
        const ua = BigInt.asUintN(64, a);
        const ub = BigInt.asUintN(64, b);
        if (ua <= ub) expect(histogramIndex(a)).toBeLessThanOrEqual(histogramIndex(b));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('histogram of a set of counters', () => {
  it('num, cum_value and min agree with the counters, bucket by bucket', () => {
    fc.assert(
      fc.property(fc.array(counters, { maxLength: 5 }), (arrays) => {
        const all = arrays.flat();
        const h = histogramOf(arrays.map((a) => BigInt64Array.from(a)));
        expect(h.reduce((n, b) => n + b.num, 0)).toBe(all.length);
        expect(sum(h, (b) => b.cum)).toBe(all.reduce((s, v) => BigInt.asIntN(64, s + v), 0n));
        for (let i = 1; i < h.length; i++) expect(h[i]!.index).toBeGreaterThan(h[i - 1]!.index);
        for (const b of h) {
          const members = all.filter((v) => histogramIndex(v) === b.index);
          expect(b.num).toBe(members.length);
          expect(b.min).toBe(members.reduce((m, v) => (v < m ? v : m)));
          expect(b.cum).toBe(members.reduce((s, v) => BigInt.asIntN(64, s + v), 0n));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sums wrap modulo 2^64 exactly like gcov_type arithmetic', () => {
    const big = (1n << 63n) - 1n;
    const h = histogramOf([BigInt64Array.from([big, big, 5n])]);
    expect(sum(h, (b) => b.cum)).toBe(BigInt.asIntN(64, big + big + 5n));
  });
});

describe('mergeHistograms (gcov_histogram_merge)', () => {
  it('keeps the target\'s counter count and the cum mass of both', () => {
    fc.assert(
      fc.property(nonNegative, nonNegative, (a, b) => {
        const ha = histogramOf([BigInt64Array.from(a)]);
        const hb = histogramOf([BigInt64Array.from(b)]);
        const m = mergeHistograms(ha, hb);
        if (a.length > 0) expect(m.reduce((n, x) => n + x.num, 0)).toBe(a.length);
        if (a.length > 0) expect(sum(m, (x) => x.cum)).toBe(sum(ha, (x) => x.cum) + sum(hb, (x) => x.cum));
        for (const x of m) expect(x.num).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('of two runs with the same counters in the same order gives the histogram of the doubled counters', () => {
    fc.assert(
      fc.property(nonNegative, (a) => {
        const h = histogramOf([BigInt64Array.from(a)]);
        const doubled = histogramOf([BigInt64Array.from(a.map((v) => 2n * v))]);
        expect(mergeHistograms(h, h).map((b) => [b.index, b.num])).toEqual(doubled.map((b) => [b.index, b.num]));
      }),
      { numRuns: 300 },
    );
  });
});
