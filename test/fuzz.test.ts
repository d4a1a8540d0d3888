/**
 * Property tests over damaged and synthetic input (fast-check). Every input must either read
 * to a model or throw GcovFormatError naming the file at an offset inside it, never another
 * error and never a hang; a model must write back, the output must read back and write the
 * same bytes again, and (the reader is lossless) the output must equal the input.
 *
 * Runs per `npx vitest run test/fuzz.test.ts`: 5,000 random byte arrays + 6,000 mutations of
 * real files + 1,500 synthetic .gcda + 1,500 synthetic .gcno + 500 length-word attacks =
 * 14,500 cases. Random by default; FUZZ_SEED=<integer> replays a run (fast-check prints the
 * seed and path of any counterexample).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../src/format/bytes.js';
import { GcovFormatError, readGcovFile, type GcovFile } from '../src/index.js';
import {
  CORPUS_DIR,
  FIXTURES_DIR,
  GCDA_MAGIC,
  GCNO_MAGIC,
  TAG_ARCS,
  TAG_BLOCKS,
  TAG_CONDS,
  TAG_COUNTER_BASE,
  TAG_FUNCTION,
  TAG_LINES,
  TAG_OBJECT_SUMMARY,
  TAG_PATHS,
  TAG_PROGRAM_SUMMARY,
  checkContract,
  isCounterTag,
  layoutOf,
  loadTree,
  modelArrayBytes,
  walkLayout,
  type Sample,
} from './helpers/bad-input-cases.js';

const SEED = process.env['FUZZ_SEED'];
const seedOption = SEED !== undefined && SEED !== '' ? { seed: Number(SEED) } : {};
if (SEED) console.log(`fuzz: FUZZ_SEED=${SEED}`);
/** FUZZ_SCALE=N multiplies every run count and time limit (a longer hunt; default 1). */
const SCALE = Math.max(1, Number(process.env['FUZZ_SCALE'] ?? 1) || 1);

/**
 * fast-check parameters: an explicit run count, and a time cap that counts as a failure (a
 * hang guard: the runs are synchronous, so each case is also timed, see PER_CASE_MS).
 */
function params<T>(numRuns: number, timeLimitMs: number): fc.Parameters<T> {
  return { numRuns: numRuns * SCALE, interruptAfterTimeLimit: timeLimitMs * SCALE, markInterruptAsFailure: true, ...seedOption };
}

/** One case may take at most this long (reading, writing, reading and writing again). */
const PER_CASE_MS = 2000;

// Real files, kernel harvests (tarballs) aside: fixtures and the shared corpus.
const REAL: Sample[] = [...loadTree(FIXTURES_DIR), ...loadTree(CORPUS_DIR)];
/**
 * Mutation bases: the real files up to 64 KB (all but about 15 of 270, every generation
 * included). The big notes files (up to 2.6 MB) cost 5-300 ms a case and add no new layouts.
 */
const BASES: Sample[] = REAL.filter((s) => s.bytes.length <= 64 * 1024);
const GCDA = REAL.filter((s) => walkLayout(s.bytes)?.kind === 'gcda');
const WITH_COUNTERS = GCDA.filter((s) => layoutOf(s.bytes).records.some((r) => isCounterTag(r.tag)));

/** Distinct headers (magic, version, byte order) seen in the real files, with the header bytes. */
interface Header {
  kind: 'gcda' | 'gcno';
  little: boolean;
  versionWord: number;
  version: number;
  /** Magic + version word (8 bytes). */
  prefix: Uint8Array;
  /** The whole header up to the first record. */
  header: Uint8Array;
}
const HEADERS: Header[] = (() => {
  const seen = new Map<string, Header>();
  for (const s of REAL) {
    const l = layoutOf(s.bytes);
    const key = `${l.kind}:${l.little}:${l.versionWord}`;
    if (!seen.has(key)) {
      seen.set(key, {
        kind: l.kind,
        little: l.little,
        versionWord: l.versionWord,
        version: l.version,
        prefix: s.bytes.slice(0, 8),
        header: s.bytes.slice(0, l.headerEnd),
      });
    }
  }
  return [...seen.values()];
})();

/**
 * Runs the contract on `bytes` placed at `embedAt` inside a larger buffer filled with junk,
 * so reads past the end of the view or ignoring its byteOffset show up. Returns the outcome.
 */
function check(bytes: Uint8Array, label: string, embedAt = 0) {
  const backing = new Uint8Array(bytes.length + 16).fill(0xa5);
  backing.set(bytes, embedAt);
  const view = backing.subarray(embedAt, embedAt + bytes.length);
  const started = performance.now();
  const outcome = checkContract(view, label);
  const ms = performance.now() - started;
  if (ms > PER_CASE_MS) throw new Error(`one case took ${ms.toFixed(0)} ms (${bytes.length} bytes)`);
  return outcome;
}


// ---------------------------------------------------------------------------------------
// Random bytes.

const randomBytes = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => ({ bytes: b, from: 'random' })),
  fc
    .record({
      h: fc.integer({ min: 0, max: HEADERS.length - 1 }),
      full: fc.boolean(),
      rest: fc.uint8Array({ maxLength: 512 }),
    })
    .map(({ h, full, rest }) => {
      const hd = HEADERS[h]!;
      const prefix = full ? hd.header : hd.prefix;
      return { bytes: concatBytes([prefix, rest]).slice(0, 512), from: `header of ${hd.kind} ${hd.versionWord.toString(16)}${hd.little ? '' : ' (BE)'}` };
    }),
);

// ---------------------------------------------------------------------------------------
// Mutations of real files.

const EXTREMES = [0, 0xffffffff, 0x80000000, 0x7fffffff, 0x7ffffff0, 0xfffffffe, 0x80000001, 1, 2, 4, 8];

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'splice'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number; to: number }
  | { op: 'word'; at: number; value: number; aligned: boolean }
  | { op: 'length'; rec: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), to: fc.nat() }),
  fc.record({
    op: fc.constant('word' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...EXTREMES), fc.integer({ min: 0, max: 0xffffffff })),
    aligned: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('length' as const),
    rec: fc.nat(),
    value: fc.oneof(fc.constantFrom(...EXTREMES), fc.integer({ min: 0, max: 64 }), fc.integer({ min: -64, max: -1 }).map((v) => v >>> 0)),
  }),
);

function applyMutation(b: Uint8Array, m: Mutation): Uint8Array {
  const n = b.length;
  switch (m.op) {
    case 'flip': {
      if (!n) return b;
      const out = b.slice();
      out[m.at % n] = out[m.at % n]! ^ (1 << m.bit);
      return out;
    }
    case 'byte': {
      if (!n) return b;
      const out = b.slice();
      out[m.at % n] = m.value;
      return out;
    }
    case 'truncate':
      return b.slice(0, m.at % (n + 1));
    case 'splice': {
      const at = m.at % (n + 1);
      return concatBytes([b.subarray(0, at), b.subarray(Math.min(n, at + m.len))]);
    }
    case 'duplicate': {
      const at = m.at % (n + 1);
      const piece = b.slice(at, Math.min(n, at + m.len));
      const to = m.to % (n + 1);
      return concatBytes([b.subarray(0, to), piece, b.subarray(to)]);
    }
    case 'word': {
      if (n < 4) return b;
      let at = m.at % (n - 3);
      if (m.aligned) at -= at % 4;
      const out = b.slice();
      const little = !(b[0] === 0x67 && b[1] === 0x63); // big-endian files start with "gc"
      new DataView(out.buffer).setUint32(at, m.value >>> 0, little);
      return out;
    }
    case 'length': {
      // Overwrite the LEN word of one of the records the file still frames.
      const l = walkLayout(b);
      if (!l || l.records.length === 0) return b;
      const rec = l.records[m.rec % l.records.length]!;
      const out = b.slice();
      new DataView(out.buffer).setUint32(rec.lengthOffset, m.value >>> 0, l.little);
      return out;
    }
  }
}

const mutated = fc
  .record({
    file: fc.integer({ min: 0, max: BASES.length - 1 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
    embedAt: fc.integer({ min: 0, max: 7 }),
  })
  .map(({ file, mutations, embedAt }) => {
    const s = BASES[file]!;
    let b = s.bytes;
    for (const m of mutations) b = applyMutation(b, m);
    return { label: s.label, bytes: b, mutations, embedAt };
  });

// ---------------------------------------------------------------------------------------
// Synthetic files: a real header, then records built to each generation's layout (with
// occasional deviations), so the decoders of every record kind are reached.

class Out {
  private readonly bytes: number[] = [];
  constructor(readonly little: boolean) {}
  u32(v: number): this {
    v >>>= 0;
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    this.bytes.push(...(this.little ? b : b.reverse()));
    return this;
  }
  i64(v: bigint): this {
    this.u32(Number(BigInt.asUintN(32, v)));
    return this.u32(Number(BigInt.asUintN(32, v >> 32n)));
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]!);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 2, 0xffffffff, 0x80000000));
const i64 = fc.oneof(
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.constantFrom(0n, 1n, -1n, 1n << 32n, (1n << 32n) - 1n, -(1n << 63n), (1n << 63n) - 1n),
);

/** A string operand: null, UTF-8 text (with a dictionary of awkward code points), or arbitrary bytes. */
type StrSpec = { t: 'null' } | { t: 'text'; s: string } | { t: 'bytes'; b: Uint8Array; pad: number };
const strSpec: fc.Arbitrary<StrSpec> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ t: 'null' as const }) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '\uFEFF', 'é', '\uFFFD', '😀', '\u0000', 'main.c', '/tmp/tarax-fixtures/gcc-12/coverage', '\u0085', 'a'.repeat(37)),
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.boolean(),
      )
      .map(([dict, s, first]) => ({ t: 'text' as const, s: first ? dict + s : s + dict })),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bytes' as const), b: fc.uint8Array({ maxLength: 16 }), pad: fc.integer({ min: 0, max: 5 }) }) },
);

function putString(o: Out, spec: StrSpec, byteStrings: boolean): void {
  if (spec.t === 'null') {
    o.u32(0);
    return;
  }
  if (spec.t === 'bytes') {
    // Arbitrary content, count consistent with the bytes so the record still frames.
    const b = spec.b;
    if (byteStrings) {
      o.u32(b.length + (spec.pad & 1)).raw(b);
      if (spec.pad & 1) o.raw([0]);
    } else {
      const words = Math.ceil(b.length / 4) + (spec.pad >> 2);
      o.u32(words).raw(b).raw(new Uint8Array(words * 4 - b.length));
    }
    return;
  }
  const b = new TextEncoder().encode(spec.s);
  if (byteStrings) o.u32(b.length + 1).raw(b).raw([0]);
  else {
    const words = (b.length + 4) >> 2;
    o.u32(words).raw(b).raw(new Uint8Array(words * 4 - b.length));
  }
}

/** A record: tag, payload builder, and how to state its length. */
interface RecSpec {
  tag: number;
  /** Writes the payload. */
  body: (o: Out, byteStrings: boolean) => void;
  /** 'exact': payload length; 'negative': -n (GCC 11+ zeros); 'off': exact + delta. */
  len: { t: 'exact' } | { t: 'negative'; n: number } | { t: 'off'; delta: number };
}

const lenSpec = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ t: 'exact' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('off' as const), delta: fc.integer({ min: -8, max: 8 }) }) },
);

const words = (max: number) => fc.array(u32, { maxLength: max });

const gcdaRecord: fc.Arbitrary<RecSpec> = fc.oneof(
  // FUNCTION: placeholder, 2 or 3 words, or the old LLVM form with a name.
  fc.record({ ws: fc.array(u32, { minLength: 0, maxLength: 3 }), name: fc.option(strSpec, { nil: undefined }), len: lenSpec }).map(({ ws, name, len }) => ({
    tag: TAG_FUNCTION,
    body: (o: Out) => {
      for (const w of ws) o.u32(w);
      if (name) putString(o, name, false);
    },
    len,
  })),
  // Counters with values.
  fc.record({ kind: fc.integer({ min: 0, max: 10 }), values: fc.array(i64, { maxLength: 12 }), len: lenSpec }).map(({ kind, values, len }) => ({
    tag: TAG_COUNTER_BASE + kind * 0x20000,
    body: (o: Out) => {
      for (const v of values) o.i64(v);
    },
    len,
  })),
  // GCC 11+ all-zero counters: negative length, no payload.
  fc.record({ kind: fc.integer({ min: 0, max: 10 }), n: fc.integer({ min: 1, max: 64 }) }).map(({ kind, n }) => ({
    tag: TAG_COUNTER_BASE + kind * 0x20000,
    body: () => {},
    len: { t: 'negative' as const, n },
  })),
  // Summaries: 2 words (GCC 9+), 3 words (LLVM 408*), 9 words (GCC <= 4.7), histogram (4.8-8).
  fc.record({ tag: fc.constantFrom(TAG_OBJECT_SUMMARY, TAG_PROGRAM_SUMMARY), ws: fc.oneof(words(3), fc.array(u32, { minLength: 9, maxLength: 9 })), len: lenSpec }).map(
    ({ tag, ws, len }) => ({ tag, body: (o: Out) => ws.forEach((w) => o.u32(w)), len }),
  ),
  fc
    .record({
      tag: fc.constantFrom(TAG_OBJECT_SUMMARY, TAG_PROGRAM_SUMMARY),
      head: fc.array(u32, { minLength: 3, maxLength: 3 }),
      sums: fc.array(i64, { minLength: 3, maxLength: 3 }),
      buckets: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }),
      extra: fc.integer({ min: -1, max: 1 }),
      vals: fc.array(fc.tuple(u32, i64, i64), { minLength: 13, maxLength: 13 }),
    })
    .map(({ tag, head, sums, buckets, extra, vals }) => ({
      tag,
      body: (o: Out) => {
        o.u32(head[0]!).u32(head[1]!).u32(head[2]!);
        for (const s of sums) o.i64(s);
        const bits = new Uint32Array(8);
        for (const i of buckets) bits[i >>> 5]! |= 1 << (i & 31);
        for (const w of bits) o.u32(w);
        // Usually as many buckets as bits set; sometimes one more or one fewer.
        const n = Math.max(0, buckets.length + (extra === 0 || buckets.length === 0 ? 0 : extra));
        for (let i = 0; i < n; i++) {
          const [num, min, cum] = vals[i % vals.length]!;
          o.u32(num).i64(min).i64(cum);
        }
      },
      len: { t: 'exact' as const },
    })),
  // Anything else.
  fc.record({ tag: fc.oneof(u32.filter((t) => t !== 0), fc.constantFrom(0xa5000000, 0x01000001, 0x01a00000, 0x01c10000)), payload: fc.uint8Array({ maxLength: 24 }), len: lenSpec }).map(
    ({ tag, payload, len }) => ({ tag, body: (o: Out) => void o.raw(payload), len }),
  ),
);

const gcnoRecord = (version: number): fc.Arbitrary<RecSpec> =>
  fc.oneof(
    // FUNCTION in this generation's layout; `skew` drops or adds a word to reach the raw fallback.
    fc
      .record({ ws: fc.array(u32, { minLength: 9, maxLength: 9 }), name: strSpec, source: strSpec, skew: fc.constantFrom(0, 0, 0, 0, -1, 1), len: lenSpec })
      .map(({ ws, name, source, skew, len }) => ({
        tag: TAG_FUNCTION,
        body: (o: Out, bs: boolean) => {
          o.u32(ws[0]!).u32(ws[1]!);
          if (version >= 47) o.u32(ws[2]!);
          putString(o, name, bs);
          if (version >= 80) o.u32(ws[3]! & 1);
          putString(o, source, bs);
          o.u32(ws[4]!);
          if (version >= 80) o.u32(ws[5]!).u32(ws[6]!);
          if (version >= 90) o.u32(ws[7]!);
          if (skew > 0) o.u32(ws[8]!);
        },
        len: skew < 0 ? { t: 'off' as const, delta: -4 } : len,
      })),
    fc.record({ ws: fc.array(u32, { maxLength: 8 }), len: lenSpec }).map(({ ws, len }) => ({
      tag: TAG_BLOCKS,
      body: (o: Out) => {
        if (version >= 80) o.u32(ws[0] ?? 0);
        else ws.forEach((w) => o.u32(w));
      },
      len,
    })),
    fc.record({ block: u32, ws: fc.array(u32, { maxLength: 10 }), len: lenSpec }).map(({ block, ws, len }) => ({
      tag: TAG_ARCS,
      body: (o: Out) => {
        o.u32(block);
        ws.forEach((w) => o.u32(w));
      },
      len,
    })),
    fc
      .record({
        block: u32,
        entries: fc.array(fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), strSpec), { maxLength: 6 }),
        end: fc.constantFrom('null', 'null', 'null', 'none'),
        len: lenSpec,
      })
      .map(({ block, entries, end, len }) => ({
        tag: TAG_LINES,
        body: (o: Out, bs: boolean) => {
          o.u32(block);
          for (const e of entries) {
            if (typeof e === 'number') o.u32(e);
            else if (e.t !== 'null') {
              o.u32(0);
              putString(o, e, bs);
            }
          }
          if (end === 'null') o.u32(0).u32(0);
        },
        len,
      })),
    fc.record({ tag: fc.constantFrom(TAG_CONDS, TAG_PATHS), ws: fc.array(u32, { maxLength: 8 }), len: lenSpec }).map(({ tag, ws, len }) => ({
      tag,
      body: (o: Out) => ws.forEach((w) => o.u32(w)),
      len,
    })),
    fc.record({ tag: u32.filter((t) => t !== 0), payload: fc.uint8Array({ maxLength: 24 }), len: lenSpec }).map(({ tag, payload, len }) => ({
      tag,
      body: (o: Out) => void o.raw(payload),
      len,
    })),
  );

type Trailer = { t: 'none' } | { t: 'zero'; stale: Uint8Array };
const trailer: fc.Arbitrary<Trailer> = fc.oneof(fc.constant({ t: 'none' as const }), fc.record({ t: fc.constant('zero' as const), stale: fc.uint8Array({ maxLength: 24 }) }));

function buildFile(h: Header, header: Uint8Array, recs: RecSpec[], tail: Trailer): Uint8Array {
  const unit = h.version >= 120 ? 1 : 4;
  const byteStrings = h.version >= 120;
  const o = new Out(h.little);
  o.raw(header);
  for (const r of recs) {
    const body = new Out(h.little);
    r.body(body, byteStrings);
    let payload = body.done();
    // Word-length files hold whole words.
    if (unit === 4 && payload.length % 4) payload = concatBytes([payload, new Uint8Array(4 - (payload.length % 4))]);
    o.u32(r.tag);
    if (r.len.t === 'negative') o.u32(-((r.len.n * 8) / unit));
    else if (r.len.t === 'off') o.u32(payload.length / unit + r.len.delta);
    else o.u32(payload.length / unit);
    o.raw(payload);
  }
  if (tail.t === 'zero') o.u32(0).raw(tail.stale);
  return o.done();
}

/** A header for `kind`: a real one, or one built for the generation (new stamp, cwd, ...). */
function headerArb(kind: 'gcda' | 'gcno'): fc.Arbitrary<{ h: Header; header: Uint8Array }> {
  const hs = HEADERS.filter((h) => h.kind === kind);
  return fc.record({ i: fc.integer({ min: 0, max: hs.length - 1 }), real: fc.boolean(), stamp: u32, checksum: u32, cwd: strSpec, unexec: fc.constantFrom(0, 1) }).map(
    ({ i, real, stamp, checksum, cwd, unexec }) => {
      const h = hs[i]!;
      if (real) return { h, header: h.header };
      const o = new Out(h.little);
      o.u32(kind === 'gcda' ? GCDA_MAGIC : GCNO_MAGIC).u32(h.versionWord).u32(stamp);
      if (h.version >= 120) o.u32(checksum);
      if (kind === 'gcno' && h.version >= 90) putString(o, cwd, h.version >= 120);
      if (kind === 'gcno' && h.version >= 80) o.u32(unexec);
      return { h, header: o.done() };
    },
  );
}

const syntheticGcda = fc
  .record({ hd: headerArb('gcda'), recs: fc.array(gcdaRecord, { maxLength: 10 }), tail: trailer })
  .map(({ hd, recs, tail }) => ({ bytes: buildFile(hd.h, hd.header, recs, tail), version: hd.h.versionWord }));

const syntheticGcno = headerArb('gcno').chain((hd) =>
  fc.record({ recs: fc.array(gcnoRecord(hd.h.version), { maxLength: 10 }), tail: trailer }).map(({ recs, tail }) => ({
    bytes: buildFile(hd.h, hd.header, recs, tail),
    version: hd.h.versionWord,
  })),
);

// ---------------------------------------------------------------------------------------

describe('fuzz: readGcovFile returns a model that writes back identically, or throws GcovFormatError', () => {
  it('5,000 random byte arrays of 0..512 bytes (about half behind a real magic + version)', { timeout: 40_000 * SCALE }, () => {
    let models = 0;
    fc.assert(
      fc.property(randomBytes, fc.integer({ min: 0, max: 7 }), ({ bytes }, embedAt) => {
        if (check(bytes, 'random.bin', embedAt).kind === 'model') models++;
      }),
      params(5000, 30_000),
    );
    console.log(`fuzz random bytes: ${5000 * SCALE} cases, ${models} read as models`);
  });

  it('6,000 mutations of real files (bit flips, byte and word overwrites, truncation, splices, duplicated ranges, LEN attacks)', { timeout: 50_000 * SCALE }, () => {
    let models = 0;
    fc.assert(
      fc.property(mutated, ({ label, bytes, embedAt }) => {
        if (check(bytes, label, embedAt).kind === 'model') models++;
      }),
      params(6000, 40_000),
    );
    console.log(`fuzz mutations: ${6000 * SCALE} cases, ${models} read as models`);
    expect(models).toBeGreaterThan(100);
  });

  it('1,500 synthetic .gcda files of every real header (functions, counters, compact zeros, summaries, histograms)', { timeout: 30_000 * SCALE }, () => {
    let models = 0;
    fc.assert(
      fc.property(syntheticGcda, fc.integer({ min: 0, max: 7 }), ({ bytes, version }, embedAt) => {
        if (check(bytes, `synthetic-${version.toString(16)}.gcda`, embedAt).kind === 'model') models++;
      }),
      params(1500, 20_000),
    );
    console.log(`fuzz synthetic gcda: ${1500 * SCALE} cases, ${models} read as models`);
    expect(models).toBeGreaterThan(500);
  });

  it('1,500 synthetic .gcno files of every real header (functions, blocks, arcs, lines, strings)', { timeout: 30_000 * SCALE }, () => {
    let models = 0;
    fc.assert(
      fc.property(syntheticGcno, fc.integer({ min: 0, max: 7 }), ({ bytes, version }, embedAt) => {
        if (check(bytes, `synthetic-${version.toString(16)}.gcno`, embedAt).kind === 'model') models++;
      }),
      params(1500, 20_000),
    );
    console.log(`fuzz synthetic gcno: ${1500 * SCALE} cases, ${models} read as models`);
    expect(models).toBeGreaterThan(500);
  });

  it('500 counter-record LEN attacks: a small file never yields a model holding more than 64 MiB', { timeout: 30_000 * SCALE }, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: WITH_COUNTERS.length - 1 }),
        fc.nat(),
        fc.oneof(fc.integer({ min: -0x80000000, max: -1 }), fc.constantFrom(-0x80000000, -0x7ffffff8, -0x10000000, 0x7ffffff0)),
        (file, which, len) => {
          const s = WITH_COUNTERS[file]!;
          const l = layoutOf(s.bytes);
          const recs = l.records.filter((r) => isCounterTag(r.tag));
          const rec = recs[which % recs.length]!;
          const b = s.bytes.slice();
          new DataView(b.buffer).setInt32(rec.lengthOffset, len, l.little);
          const outcome = check(b, s.label);
          if (outcome.kind === 'model') {
            const held = modelArrayBytes(outcome.model);
            if (held > 64 * 1024 * 1024) {
              throw new Error(`${s.label} with LEN ${len} (0x${(len >>> 0).toString(16)}) at byte ${rec.lengthOffset}: the model holds ${held} bytes of arrays`);
            }
          }
        },
      ),
      params(500, 20_000),
    );
  });
});

// ---------------------------------------------------------------------------------------
// The readers have a fast path for word-aligned input in the host's byte order, and fall back
// to the general path (framing pass, then decoding) for anything else, including every error.
// Both must give the same model or the same error. The same bytes placed at byte offset 0
// (fast path, when little-endian) and at byte offset 1 (general path) are read and compared.

type PathOutcome = { kind: 'model'; model: GcovFile } | { kind: 'error'; message: string };

function readAt(bytes: Uint8Array, label: string, embedAt: number): PathOutcome {
  const backing = new Uint8Array(bytes.length + 8).fill(0x5a);
  backing.set(bytes, embedAt);
  try {
    return { kind: 'model', model: readGcovFile(backing.subarray(embedAt, embedAt + bytes.length), label) };
  } catch (e) {
    if (!(e instanceof GcovFormatError)) throw e;
    return { kind: 'error', message: e.message };
  }
}

function samePaths(bytes: Uint8Array, label: string): PathOutcome['kind'] {
  const fast = readAt(bytes, label, 0);
  const general = readAt(bytes, label, 1);
  expect(fast.kind, `${label}: aligned read gave ${fast.kind === 'error' ? fast.message : 'a model'}, unaligned ${general.kind === 'error' ? general.message : 'a model'}`).toBe(general.kind);
  if (fast.kind === 'error' && general.kind === 'error') expect(fast.message).toBe(general.message);
  else {
    const difference = firstModelDifference((fast as { model: GcovFile }).model, (general as { model: GcovFile }).model, 'model');
    expect(difference, label).toBe(null);
  }
  return fast.kind;
}

/**
 * Where two models differ (a path), or null: deep equality as toEqual's, but typed arrays
 * are compared as bytes, so a model holding millions of counters compares in microseconds.
 */
function firstModelDifference(a: unknown, b: unknown, path: string): string | null {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return `${path}: not the same kind of array`;
    const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return x.equals(y) ? null : `${path}: different elements`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return `${path}: arrays of different lengths`;
    for (let i = 0; i < a.length; i++) {
      const d = firstModelDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} against ${kb.join()}`;
    for (const k of ka) {
      const d = firstModelDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${String(a)} against ${String(b)}`;
}

describe('the aligned fast path and the general path read the same', () => {
  it('every real file (fixtures and corpus)', { timeout: 60_000 }, () => {
    for (const s of REAL) expect(samePaths(s.bytes, s.label), s.label).toBe('model');
  });

  it('the real files up to 4 KiB, truncated at every word boundary', { timeout: 60_000 * SCALE }, () => {
    let cases = 0;
    for (const s of REAL.filter((x) => x.bytes.length <= 4096)) {
      for (let cut = 0; cut <= s.bytes.length; cut += 4, cases++) samePaths(s.bytes.subarray(0, cut), s.label);
    }
    expect(cases).toBeGreaterThan(1000);
  });

  it('3,000 mutations of real files', { timeout: 60_000 * SCALE }, () => {
    fc.assert(
      fc.property(mutated, ({ label, bytes }) => void samePaths(bytes, label)),
      params(3000, 40_000),
    );
  });

  it('1,000 synthetic .gcda and 1,000 synthetic .gcno files', { timeout: 60_000 * SCALE }, () => {
    fc.assert(
      fc.property(syntheticGcda, ({ bytes, version }) => void samePaths(bytes, `synthetic-${version.toString(16)}.gcda`)),
      params(1000, 20_000),
    );
    fc.assert(
      fc.property(syntheticGcno, ({ bytes, version }) => void samePaths(bytes, `synthetic-${version.toString(16)}.gcno`)),
      params(1000, 20_000),
    );
  });
});
