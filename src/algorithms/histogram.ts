import { HISTOGRAM_BUCKETS, type HistogramBucket } from '../format/summary-codec.js';
import { HI, LO, Sum64, compare64, join64, wordView } from './int64.js';

/**
 * The arc-counter histogram of GCC 4.8-8 program summaries: 252 buckets, 63 power-of-two
 * ranges of 4 linear sub-buckets each, the two smallest ranges sharing buckets 0-3
 * (gcov-io.c gcov_histo_index, GCC 4.8-8).
 */
export { HISTOGRAM_BUCKETS, type HistogramBucket };

/** Bucket of a counter value, treated as unsigned 64-bit (a negative value lands in the top range). */
export function histogramIndex(value: bigint): number {
  const v = BigInt.asUintN(64, value);
  return histogramIndexWords(Number(v >> 32n) | 0, Number(v & 0xffffffffn));
}

/** histogramIndex of the value whose high and low 32-bit words are given. */
export function histogramIndexWords(hi: number, lo: number): number {
  hi >>>= 0;
  lo >>>= 0;
  let r: number;
  let b: number;
  if (hi === 0) {
    if (lo < 4) return lo;
    r = 31 - Math.clz32(lo);
    b = (lo >>> (r - 2)) & 3;
  } else {
    r = 63 - Math.clz32(hi);
    const shift = r - 2;
    b = shift >= 32 ? (hi >>> (shift - 32)) & 3 : ((hi << (32 - shift)) | (lo >>> shift)) & 3;
  }
  return (r - 1) * 4 + b;
}

/** Smallest value that falls into bucket i (as an unsigned 64-bit number). */
export function histogramBucketLowerBound(index: number): bigint {
  if (index < 4) return BigInt(index);
  return BigInt(4 + (index % 4)) << BigInt((index >> 2) - 1);
}

/**
 * Builds a histogram the way libgcov does at exit (libgcov-driver.c gcov_histogram_insert,
 * GCC 4.8-8): each counter, zeros included, adds one to its bucket's num and its value to
 * cum, and lowers the bucket's min (signed comparison, as gcov_type). libgcov starts every
 * min at run_max; since no counter exceeds run_max, starting at the largest value gives the
 * same non-empty buckets without knowing run_max first, so counters can be streamed in.
 * No allocation per counter.
 */
export class HistogramBuilder {
  private readonly num = new Uint32Array(HISTOGRAM_BUCKETS);
  private readonly min = new Int32Array(HISTOGRAM_BUCKETS * 2).fill(-1);
  private readonly cum: Sum64[] = Array.from({ length: HISTOGRAM_BUCKETS }, () => new Sum64());

  constructor() {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.min[2 * i] = 0x7fffffff;
  }

  insert(values: BigInt64Array): void {
    const w = wordView(values);
    const num = this.num;
    const min = this.min;
    for (let i = 0, n = values.length; i < n; i++) {
      const hi = w[2 * i + HI]!;
      const lo = w[2 * i + LO]!;
      const k = histogramIndexWords(hi, lo);
      num[k] = (num[k]! + 1) >>> 0;
      this.cum[k]!.add(hi, lo);
      if (compare64(hi, lo, min[2 * k]!, min[2 * k + 1]!) < 0) {
        min[2 * k] = hi;
        min[2 * k + 1] = lo;
      }
    }
  }

  /** The non-empty buckets in increasing index order, as written to the file. */
  buckets(): HistogramBucket[] {
    const out: HistogramBucket[] = [];
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      if (this.num[i] === 0) continue;
      out.push({ index: i, num: this.num[i]!, min: join64(this.min[2 * i]!, this.min[2 * i + 1]!), cum: this.cum[i]!.value() });
    }
    return out;
  }
}

/** Histogram of a set of counter arrays (for tests and one-off use). */
export function histogramOf(counters: Iterable<BigInt64Array>): HistogramBucket[] {
  const b = new HistogramBuilder();
  for (const c of counters) b.insert(c);
  return b.buckets();
}

/**
 * Merges histogram src into tgt as gcov_histogram_merge does (gcov-io.c, GCC 4.8-8): assumes
 * the counters keep their rank order in both runs and pairs them largest with largest; the
 * mass of source counters left unpaired goes to the smallest merged bucket, so the cum total
 * stays the sum of both. Truncating division makes it order-dependent, as in libgcov.
 * Arithmetic is 64-bit signed, as gcov_type.
 */
export function mergeHistograms(tgt: readonly HistogramBucket[], src: readonly HistogramBucket[]): HistogramBucket[] {
  const dense = (h: readonly HistogramBucket[]) => {
    const num = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
    const min = new Array<bigint>(HISTOGRAM_BUCKETS).fill(0n);
    const cum = new Array<bigint>(HISTOGRAM_BUCKETS).fill(0n);
    for (const b of h) {
      num[b.index] = b.num;
      min[b.index] = b.min;
      cum[b.index] = b.cum;
    }
    return { num, min, cum };
  };
  const t = dense(tgt);
  const s = dense(src);
  const tmp = dense([]);
  const i64 = (v: bigint) => BigInt.asIntN(64, v);
  let srcI = HISTOGRAM_BUCKETS - 1;
  let srcNum = 0;
  let srcCum = 0n;
  let lastK = 0;
  let done = false;
  for (let tgtI = HISTOGRAM_BUCKETS - 1; tgtI >= 0 && !done; tgtI--) {
    let tgtNum = t.num[tgtI]!;
    let tgtCum = t.cum[tgtI]!;
    while (tgtNum > 0 && !done) {
      if (srcNum === 0) {
        while (srcI >= 0 && s.num[srcI] === 0) srcI--;
        if (srcI < 0) {
          // No source counters left: the rest of the target goes in unchanged.
          tmp.num[tgtI] = (tmp.num[tgtI]! + tgtNum) >>> 0;
          tmp.cum[tgtI] = i64(tmp.cum[tgtI]! + tgtCum);
          if (tmp.min[tgtI] === 0n || t.min[tgtI]! < tmp.min[tgtI]!) tmp.min[tgtI] = t.min[tgtI]!;
          for (let j = tgtI - 1; j >= 0; j--) {
            tmp.num[j] = (tmp.num[j]! + t.num[j]!) >>> 0;
            tmp.cum[j] = i64(tmp.cum[j]! + t.cum[j]!);
            if (tmp.min[j] === 0n || t.min[j]! < tmp.min[j]!) tmp.min[j] = t.min[j]!;
          }
          done = true;
          break;
        }
        srcNum = s.num[srcI]!;
        srcCum = s.cum[srcI]!;
      }
      const m = Math.min(tgtNum, srcNum);
      const mergeMin = i64(t.min[tgtI]! + s.min[srcI]!);
      const sPart = m === srcNum ? srcCum : i64(BigInt(m) * srcCum) / BigInt(srcNum);
      const tPart = m === tgtNum ? tgtCum : i64(BigInt(m) * tgtCum) / BigInt(tgtNum);
      const mergeCum = i64(sPart + tPart);
      srcCum = i64(srcCum - sPart);
      tgtCum = i64(tgtCum - tPart);
      srcNum -= m;
      tgtNum -= m;
      const k = histogramIndex(mergeMin);
      tmp.num[k] = (tmp.num[k]! + m) >>> 0;
      tmp.cum[k] = i64(tmp.cum[k]! + mergeCum);
      if (tmp.min[k] === 0n || mergeMin < tmp.min[k]!) tmp.min[k] = mergeMin;
      lastK = k;
      if (srcNum === 0) srcI--;
    }
  }
  // Source counters never paired: keep their mass in the smallest merged bucket.
  if (srcNum > 0) srcI--;
  for (; srcI >= 0; srcI--) srcCum = i64(srcCum + s.cum[srcI]!);
  if (srcCum !== 0n) tmp.cum[lastK] = i64(tmp.cum[lastK]! + srcCum);
  const out: HistogramBucket[] = [];
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) if (tmp.num[i]! > 0) out.push({ index: i, num: tmp.num[i]!, min: tmp.min[i]!, cum: tmp.cum[i]! });
  return out;
}
