import { Parser } from 'binary-parser';
import { ByteWriter } from './bytes.js';

/**
 * Payload codecs for the summary records of every generation. Reading uses binary-parser
 * (declarative layouts, one compiled parser per byte order); writing is ours.
 */

/** One bucket of the GCC 4.8-8 arc-counter histogram (gcov-io.h gcov_bucket_type). */
export interface HistogramBucket {
  /** Bucket index, 0..251 (see histogramIndex). */
  index: number;
  /** Number of counters in the bucket. */
  num: number;
  /** Smallest counter value in the bucket. */
  min: bigint;
  /** Sum of the counter values in the bucket. */
  cum: bigint;
}

export const HISTOGRAM_BUCKETS = 252;
const BITVECTOR_WORDS = 8;

/** gcov_ctr_summary: the arcs part of a pre-GCC-9 summary. */
export interface CounterSummary {
  /** Number of arc counters in the program. */
  num: number;
  runs: number;
  sumAll: bigint;
  runMax: bigint;
  sumMax: bigint;
  /** Non-empty histogram buckets in increasing index order (GCC 4.8-8), or null (layout without histogram). */
  histogram: HistogramBucket[] | null;
}

type Raw = Record<string, number>;

function join(lo: number, hi: number): bigint {
  return (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
}

function makeParsers(le: boolean) {
  const endian = le ? 'little' : 'big';
  const u64 = (p: Parser, name: string) => p.uint32(`${name}Lo`).int32(`${name}Hi`);
  const ctr = u64(u64(u64(new Parser().endianness(endian).uint32('num').uint32('runs'), 'sumAll'), 'runMax'), 'sumMax');
  const bucket = u64(u64(new Parser().endianness(endian).uint32('num'), 'min'), 'cum');
  return {
    runs: new Parser().endianness(endian).uint32('runs').uint32('sumMax'),
    legacy: new Parser().endianness(endian).uint32('checksum').nest('ctr', { type: ctr }),
    histogram: new Parser()
      .endianness(endian)
      .uint32('checksum')
      .nest('ctr', { type: ctr })
      .array('bitvector', { type: le ? 'uint32le' : 'uint32be', length: BITVECTOR_WORDS })
      .array('buckets', {
        type: bucket,
        length: function (this: { bitvector: number[] }) {
          return this.bitvector.reduce((n, w) => n + popcount(w), 0);
        },
      }),
  };
}

type Parsers = ReturnType<typeof makeParsers>;
let parsersLe: Parsers | null = null;
let parsersBe: Parsers | null = null;

/** The parsers of a byte order, compiled on first use (binary-parser compiles code: start-up time of every CLI run). */
function parsers(little: boolean): Parsers {
  if (little) return (parsersLe ??= makeParsers(true));
  return (parsersBe ??= makeParsers(false));
}

export function popcount(w: number): number {
  w = w - ((w >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** GCC 9+ OBJECT_SUMMARY: runs and sum_max, both 32-bit on disk. */
export function decodeRunSummary(payload: Uint8Array, little: boolean): { runs: number; sumMax: number } {
  if (payload.length >= 8) {
    // Two words: read directly (the same values as parsers(little).runs gives).
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    return { runs: view.getUint32(0, little), sumMax: view.getUint32(4, little) };
  }
  const r = parsers(little).runs.parse(payload) as Raw;
  return { runs: r['runs']!, sumMax: r['sumMax']! };
}

function ctrOf(c: Raw): Omit<CounterSummary, 'histogram'> {
  return {
    num: c['num']!,
    runs: c['runs']!,
    sumAll: join(c['sumAllLo']!, c['sumAllHi']!),
    runMax: join(c['runMaxLo']!, c['runMaxHi']!),
    sumMax: join(c['sumMaxLo']!, c['sumMaxHi']!),
  };
}

/** 9-word summary of GCC 3.4-4.7 (and LLVM's object summary in "402*" files). */
export function decodeLegacySummary(payload: Uint8Array, little: boolean): { checksum: number; arcs: CounterSummary } {
  const r = parsers(little).legacy.parse(payload) as { checksum: number; ctr: Raw };
  return { checksum: r.checksum, arcs: { ...ctrOf(r.ctr), histogram: null } };
}

/**
 * GCC 4.8-8 PROGRAM_SUMMARY with histogram: 17 + 5h words. Returns undefined when the
 * bitvector's population does not match the payload length (the record is kept raw).
 */
export function decodeHistogramSummary(payload: Uint8Array, little: boolean): { checksum: number; arcs: CounterSummary } | undefined {
  if (payload.length < 17 * 4 || (payload.length - 17 * 4) % 20 !== 0) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let set = 0;
  for (let i = 0; i < BITVECTOR_WORDS; i++) set += popcount(view.getUint32((9 + i) * 4, little));
  if (set * 20 !== payload.length - 17 * 4) return undefined;
  const r = parsers(little).histogram.parse(payload) as {
    checksum: number;
    ctr: Raw;
    bitvector: number[];
    buckets: Raw[];
  };
  const indices: number[] = [];
  r.bitvector.forEach((w, wi) => {
    for (let b = 0; b < 32; b++) if ((w >>> b) & 1) indices.push(wi * 32 + b);
  });
  if (indices.length > 0 && indices[indices.length - 1]! >= HISTOGRAM_BUCKETS) return undefined;
  const histogram = r.buckets.map((b, i) => ({
    index: indices[i]!,
    num: b['num']!,
    min: join(b['minLo']!, b['minHi']!),
    cum: join(b['cumLo']!, b['cumHi']!),
  }));
  return { checksum: r.checksum, arcs: { ...ctrOf(r.ctr), histogram } };
}

export function encodeRunSummary(w: ByteWriter, runs: number, sumMax: number): void {
  w.u32(runs);
  w.u32(sumMax);
}

/** Writes checksum and the arcs summary; with a histogram, the bitvector and buckets follow. */
export function encodeCounterSummary(w: ByteWriter, checksum: number, s: CounterSummary): void {
  w.u32(checksum);
  w.u32(s.num);
  w.u32(s.runs);
  w.counter(s.sumAll);
  w.counter(s.runMax);
  w.counter(s.sumMax);
  if (!s.histogram) return;
  const bits = new Uint32Array(BITVECTOR_WORDS);
  for (const b of s.histogram) bits[b.index >>> 5] = (bits[b.index >>> 5] ?? 0) | (1 << (b.index & 31));
  for (const word of bits) w.u32(word);
  const sorted = [...s.histogram].sort((a, b) => a.index - b.index);
  for (const b of sorted) {
    w.u32(b.num);
    w.counter(b.min);
    w.counter(b.cum);
  }
}

export function counterSummaryWords(s: CounterSummary): number {
  return s.histogram ? 17 + 5 * s.histogram.length : 9;
}
