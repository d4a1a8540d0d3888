import { ByteReader, ByteWriter, HOST_LITTLE_ENDIAN, readCounterArray, writeCounterArray, type ByteOrder } from '../format/bytes.js';
import { GcovFormatError } from '../format/errors.js';
import { hex, MAX_COMPACT_ZERO_COUNTERS, readString, stringSize, writeString, type RecordFrame } from '../format/records.js';
import {
  decodeHistogramSummary,
  decodeLegacySummary,
  decodeRunSummary,
  encodeCounterSummary,
  encodeRunSummary,
  counterSummaryWords,
  type CounterSummary,
} from '../format/summary-codec.js';
import { GCDA_MAGIC, TAG_FUNCTION, TAG_OBJECT_SUMMARY, TAG_PROGRAM_SUMMARY, counterKindOfTag, counterTag, tagDepth } from '../format/tags.js';
import { decodeVersion, generationFeatures, type GcovVersion } from '../format/version.js';
import { counterSpace, freshArray, oneSlot, pooledCopy, SLAB_SHARE_MAX, slabGiveBack, slabReserve, trailerOf } from './buffers.js';
import { byteOrderOf, plainBytes, rawRecord, featuresOf, readHeaderWords, versionOf, wordAt, type RawRecord, type ReadOptions, type WriteOptions } from './common.js';

/** A counter record (tag 0x01a10000 + kind * 0x20000) with exact 64-bit signed values. */
export interface CountersRecord {
  readonly type: 'counters';
  /** Counter kind index k; its meaning depends on the version (counterKinds()). */
  kind: number;
  values: BigInt64Array;
  /** Stored as GCC 11+'s all-zero form: a negative length and no payload. */
  compactZero: boolean;
}

/** A FUNCTION record and the counter records that follow it. */
export interface GcdaFunction {
  readonly type: 'function';
  ident: number;
  linenoChecksum: number;
  /** null in the 2-word form (GCC < 4.7, old LLVM). */
  cfgChecksum: number | null;
  /** A zero-length FUNCTION record: a COMDAT slot this object did not provide (libgcov). */
  placeholder: boolean;
  /** Function name written into the .gcda by old LLVM runtimes ("402*" files); absent otherwise. */
  name?: string | null;
  records: Array<CountersRecord | RawRecord>;
}

/** GCC 9+ OBJECT_SUMMARY: runs and sum_max (32 bits on disk). */
export interface RunSummaryRecord {
  readonly type: 'summary';
  readonly layout: 'runs';
  tag: number;
  runs: number;
  /** Stored modulo 2^32 (GCC 9+ writes it with gcov_write_unsigned). */
  sumMax: number;
}

/** Pre-GCC-9 summary: checksum and the arcs counter summary (with histogram in GCC 4.8-8). */
export interface CounterSummaryRecord {
  readonly type: 'summary';
  readonly layout: 'counters';
  tag: number;
  checksum: number;
  arcs: CounterSummary;
}

/**
 * LLVM's truncated PROGRAM_SUMMARY of "408*" files (GCDAProfiling.c): checksum 0, num 0 and
 * runs, 3 words, so that gcov reads the run count.
 */
export interface LlvmRunsSummaryRecord {
  readonly type: 'summary';
  readonly layout: 'llvm-runs';
  tag: number;
  checksum: number;
  num: number;
  runs: number;
}

export type SummaryRecord = RunSummaryRecord | CounterSummaryRecord | LlvmRunsSummaryRecord;

export type GcdaRecord = GcdaFunction | SummaryRecord | CountersRecord | RawRecord;

/** A .gcda file: header, records in file order, and whatever follows the end tag. */
export interface GcdaFile {
  readonly type: 'gcda';
  byteOrder: ByteOrder;
  /** The version word ("B22*" = 0x4232322a). */
  version: number;
  stamp: number;
  /** GCC 12+ header word after the stamp (object checksum; 0 in kernel files); null before 12. */
  checksum: number | null;
  records: GcdaRecord[];
  /**
   * Bytes from the end tag to the end of the file: empty (kernel files), a zero word
   * (libgcov), two zero words (LLVM), or a zero word followed by stale bytes of an older
   * file that libgcov rewrote in place without truncating.
   */
  trailer: Uint8Array;
}

export function gcdaVersion(file: { version: number }): GcovVersion {
  const v = versionOf(file.version);
  if (!v) throw new RangeError(`invalid version word 0x${file.version.toString(16)}`);
  return v;
}

/** What readGcda's first pass finds: the framing of a .gcda file, checked. */
export interface GcdaFraming {
  little: boolean;
  version: GcovVersion;
  stamp: number;
  /** GCC 12+ header checksum word, else null. */
  checksum: number | null;
  /** Offset of the first record, and of the end tag (or the end of the file). */
  first: number;
  end: number;
  /** Bytes of the well-formed counter records' payloads. */
  counterBytes: number;
  /** Whether an OBJECT_SUMMARY or PROGRAM_SUMMARY record is present. */
  hasSummary: boolean;
}

/**
 * Checks the header and the framing of every record (readGcda's errors, file and offset)
 * without decoding anything: for callers that need the version, or whether the file carries
 * a summary, of many files.
 */
export function frameGcda(bytes: Uint8Array, options: ReadOptions = {}): GcdaFraming {
  const file = options.file ?? '<buffer>';
  const { little, version } = readHeaderWords(bytes, file, 'gcda');
  const features = featuresOf(version.number);
  const size = bytes.length;
  if (size < 12) fail(file, `stamp needs 4 bytes but only ${size - 8} remain`, 8);
  const stamp = wordAt(bytes, 8, little);
  let pos = 12;
  let checksum: number | null = null;
  if (features.headerChecksum) {
    if (size < 16) fail(file, `checksum word needs 4 bytes but only ${size - 12} remain`, 12);
    checksum = wordAt(bytes, 12, little);
    pos = 16;
  }
  const unit = features.lengthInBytes ? 1 : 4;
  const first = pos;
  // The checks of frameRecords, with the same errors; nothing is allocated.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  let compactZeros = 0;
  let hasSummary = false;
  while (pos < size) {
    if (size - pos < 4) fail(file, `truncated record: ${size - pos} stray bytes where a tag word should be`, pos);
    const tag = view.getUint32(pos, little);
    if (tag === 0) break;
    if (size - pos < 8) fail(file, `truncated record: tag ${hex(tag)} has no length word`, pos);
    const length = view.getInt32(pos + 4, little);
    if (length < 0) {
      if (counterKindOfTag(tag) < 0) fail(file, `record ${hex(tag)} has a negative length ${length}`, pos + 4);
      if ((-length * unit) % 8 !== 0) fail(file, `all-zero counter record ${hex(tag)} has length ${length}, not a whole number of counters`, pos + 4);
      compactZeros += (-length * unit) / 8;
      if (compactZeros > MAX_COMPACT_ZERO_COUNTERS) {
        fail(file, `all-zero counter records declare more than ${MAX_COMPACT_ZERO_COUNTERS} counters (length ${length}): refused`, pos + 4);
      }
      pos += 8;
      continue;
    }
    const payloadSize = length * unit;
    if (payloadSize > size - pos - 8) fail(file, `record ${hex(tag)} claims ${payloadSize} bytes but only ${size - pos - 8} remain`, pos + 4);
    if (payloadSize % 8 === 0 && counterKindOfTag(tag) >= 0) total += payloadSize;
    else if (tag === TAG_OBJECT_SUMMARY || tag === TAG_PROGRAM_SUMMARY) hasSummary = true;
    pos += 8 + payloadSize;
  }
  return { little, version, stamp, checksum, first, end: pos, counterBytes: total, hasSummary };
}

/** Reads a .gcda file. Throws GcovFormatError (file, offset) on malformed input. */
export function readGcda(bytes: Uint8Array, options: ReadOptions = {}): GcdaFile {
  const file = options.file ?? '<buffer>';
  bytes = plainBytes(bytes);
  if (HOST_LITTLE_ENDIAN && (bytes.byteOffset & 3) === 0) {
    const model = readGcdaHostOrder(bytes, file);
    if (model !== undefined) return model;
  }
  return readGcdaGeneral(bytes, file);
}

/** The all-zero counters readGcdaHostOrder allocates as it goes (the rest: see there). */
const FAST_COMPACT_ZERO_COUNTERS = 1 << 16;

/**
 * readGcda's fast path, for files in the host's byte order (little-endian) whose records all
 * start on word boundaries: nearly every file (GCC and LLVM on x86 and arm64, and the kernel's).
 * One pass checks the framing and decodes, reading words from one Int32Array view. Anything
 * it does not expect (a malformed record, an odd length, an LLVM function name) makes it
 * return undefined before the model is complete, and readGcdaGeneral reads the file again
 * and reports the error as frameGcda words it. The counters of a small file go to a slab
 * reservation sized by the file, and what is not used is given back.
 */
function readGcdaHostOrder(bytes: Uint8Array, file: string): GcdaFile | undefined {
  const { little, version } = readHeaderWords(bytes, file, 'gcda');
  const size = bytes.length;
  const features = featuresOf(version.number);
  const first = features.headerChecksum ? 16 : 12;
  if (!little || size < first) return undefined;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, size >>> 2);
  const stamp = words[2]! >>> 0;
  const checksum = features.headerChecksum ? words[3]! >>> 0 : null;
  const unit = features.lengthInBytes ? 1 : 4;
  // Counter space: at most the bytes after the header. A larger file is framed first (which
  // also reports its errors) and gets a buffer of its exact counter bytes.
  const bound = size - first;
  const reserved = bound <= SLAB_SHARE_MAX;
  const space = reserved ? slabReserve(bound) : counterSpace(frameGcda(bytes, { file }).counterBytes);
  const pool = space.buffer;
  const dst32 = new Int32Array(pool);
  let used = space.offset;
  const tree = new GcdaTree();
  let compactZeros = 0;
  let pos = first;
  let end = size;
  let ok = true;
  while (pos < size) {
    if (size - pos < 8) {
      if (size - pos >= 4 && words[pos >>> 2] === 0) end = pos;
      else ok = false;
      break;
    }
    const i = pos >>> 2;
    const tag = words[i]! >>> 0;
    if (tag === 0) {
      end = pos;
      break;
    }
    const length = words[i + 1]!;
    const at = pos + 8;
    if (length < 0) {
      // GCC 11+'s all-zero counter record: no payload.
      const kind = counterKindOfTag(tag);
      const zeroBytes = -length * unit;
      compactZeros += zeroBytes / 8;
      // More than a few thousand zeros go to the general path, which frames the whole file
      // before it allocates them: a file damaged after them must not cost 64 MiB first.
      if (kind < 0 || zeroBytes % 8 !== 0 || compactZeros > FAST_COMPACT_ZERO_COUNTERS) {
        ok = false;
        break;
      }
      pos = at;
      tree.add(new Counters(kind, new BigInt64Array(zeroBytes / 8), true), tag);
      continue;
    }
    const psize = length * unit;
    if (psize > size - at || (psize & 3) !== 0) {
      ok = false;
      break;
    }
    pos = at + psize;
    if (tag === TAG_FUNCTION) {
      if (psize !== 12 && psize !== 8 && psize !== 0) {
        ok = false; // an old LLVM function with its name: the general path
        break;
      }
      // Most functions have one counter record (the kernel's arcs): their child array is
      // made at its size, not grown by push to a backing store of 17.
      let one = false;
      if (size - pos >= 8) {
        const next = words[pos >>> 2]! >>> 0;
        if (next !== 0 && tagDepth(next) > 1) {
          const l = words[(pos >>> 2) + 1]!;
          const after = pos + 8 + (l < 0 ? 0 : l * unit);
          one = size - after < 4 || tagDepth(words[after >>> 2]! >>> 0) <= 1;
        }
      }
      const children: Array<CountersRecord | RawRecord> = one ? oneSlot() : freshArray();
      const fn =
        psize === 0
          ? new DataFunction(0, 0, null, true, children)
          : new DataFunction(words[i + 2]! >>> 0, words[i + 3]! >>> 0, psize === 12 ? words[i + 4]! >>> 0 : null, false, children);
      tree.addFunction(fn);
      continue;
    }
    let rec: GcdaRecord;
    const kind = counterKindOfTag(tag);
    if (kind >= 0 && (psize & 7) === 0) {
      const start = used;
      used += psize;
      let values: BigInt64Array;
      if (psize <= 256) {
        for (let s = at >>> 2, d = start >>> 2, e = d + (psize >>> 2); d < e; d += 2, s += 2) {
          dst32[d] = words[s]!;
          dst32[d + 1] = words[s + 1]!;
        }
        values = new BigInt64Array(pool, start, psize >>> 3);
      } else {
        values = readCounterArray(bytes, at, psize >>> 3, true, new Uint8Array(pool), start);
      }
      rec = new Counters(kind, values, false);
    } else {
      rec = decodeOther(bytes, frame(tag, length, at, psize), true);
    }
    tree.add(rec, tag);
  }
  if (reserved) slabGiveBack(space, bound, ok ? used - space.offset : 0);
  if (!ok) return undefined;
  return new DataFile('little', version.word, stamp, checksum, tree.records, trailerOf(bytes, end));
}

/** readGcda for any input: a pass that checks the framing, then one that decodes. */
function readGcdaGeneral(bytes: Uint8Array, file: string): GcdaFile {
  // Pass 1 checks the framing of every record and sizes the counter pool.
  const { little, version, stamp, checksum, first, end, counterBytes: total } = frameGcda(bytes, { file });
  const unit = featuresOf(version.number).lengthInBytes ? 1 : 4;
  const size = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos: number;

  // Pass 2 decodes. All counters of the file share one buffer (one allocation per file):
  // per-record arrays made garbage collection the largest cost. (The word copies and child
  // arrays made at their size are readGcdaHostOrder's: the files that come here are few.)
  const { buffer: pool, offset: poolStart } = counterSpace(total);
  const poolBytes = new Uint8Array(pool);
  let used = poolStart;
  const tree = new GcdaTree();
  for (pos = first; pos < end; ) {
    const tag = view.getUint32(pos, little);
    const length = view.getInt32(pos + 4, little);
    const at = pos + 8;
    const psize = length < 0 ? 0 : length * unit;
    pos = at + psize;
    if (tag === TAG_FUNCTION) {
      let fn: GcdaFunction | RawRecord;
      if (psize === 12 || psize === 8 || psize === 0) {
        const children: Array<CountersRecord | RawRecord> = freshArray();
        fn =
          psize === 0
            ? new DataFunction(0, 0, null, true, children)
            : new DataFunction(view.getUint32(at, little), view.getUint32(at + 4, little), psize === 12 ? view.getUint32(at + 8, little) : null, false, children);
      } else {
        const f = frame(tag, length, at, psize);
        fn = decodeLlvmFunction(bytes, f, little) ?? rawRecord(bytes, f);
      }
      tree.addFunction(fn);
      continue;
    }
    let rec: GcdaRecord;
    const kind = counterKindOfTag(tag);
    if (kind >= 0 && length < 0) {
      rec = new Counters(kind, new BigInt64Array((-length * unit) / 8), true);
    } else if (kind >= 0 && psize % 8 === 0) {
      const start = used;
      used += psize;
      rec = new Counters(kind, readCounterArray(bytes, at, psize >>> 3, little, poolBytes, start), false);
    } else {
      rec = decodeOther(bytes, frame(tag, length, at, psize), little);
    }
    tree.add(rec, tag);
  }
  return new DataFile(byteOrderOf(little), version.word, stamp, checksum, tree.records, trailerOf(bytes, end));
}

/**
 * The record tree of placeRecord, as the readers build it: deeper tags belong to the open
 * function, whose child array may have been made at its size before its children come.
 */
class GcdaTree {
  readonly records: GcdaRecord[] = freshArray();
  private open: GcdaFunction | null = null;
  /** Children of `open` placed so far. */
  private filled = 0;

  addFunction(fn: GcdaFunction | RawRecord): void {
    this.records.push(fn);
    this.open = fn.type === 'function' ? fn : null;
    this.filled = 0;
  }

  add(rec: GcdaRecord, tag: number): void {
    const open = this.open;
    if (open !== null && tagDepth(tag) > 1) {
      const children = open.records;
      if (this.filled < children.length) children[this.filled] = rec as CountersRecord | RawRecord;
      else children.push(rec as CountersRecord | RawRecord);
      this.filled++;
    } else {
      this.records.push(rec);
      if (tagDepth(tag) === 1) this.open = null;
    }
  }
}

/*
 * The reader makes its objects with constructors, not literals: V8 pretenures the objects of
 * a literal (by allocation site) once most of them outlive a few scavenges, which happens as
 * soon as a caller keeps models (a merge keeps its accumulation); every model read after that
 * would be allocated old and reclaimed only by full collections. See also gcno.ts.
 */
class DataFunction implements GcdaFunction {
  declare readonly type: 'function';
  declare ident: number;
  declare linenoChecksum: number;
  declare cfgChecksum: number | null;
  declare placeholder: boolean;
  declare records: Array<CountersRecord | RawRecord>;
  constructor(ident: number, linenoChecksum: number, cfgChecksum: number | null, placeholder: boolean, records: Array<CountersRecord | RawRecord>) {
    this.type = 'function';
    this.ident = ident;
    this.linenoChecksum = linenoChecksum;
    this.cfgChecksum = cfgChecksum;
    this.placeholder = placeholder;
    this.records = records;
  }
}

class Counters implements CountersRecord {
  declare readonly type: 'counters';
  declare kind: number;
  declare values: BigInt64Array;
  declare compactZero: boolean;
  constructor(kind: number, values: BigInt64Array, compactZero: boolean) {
    this.type = 'counters';
    this.kind = kind;
    this.values = values;
    this.compactZero = compactZero;
  }
}

class DataFile implements GcdaFile {
  declare readonly type: 'gcda';
  declare byteOrder: ByteOrder;
  declare version: number;
  declare stamp: number;
  declare checksum: number | null;
  declare records: GcdaRecord[];
  declare trailer: Uint8Array;
  constructor(byteOrder: ByteOrder, version: number, stamp: number, checksum: number | null, records: GcdaRecord[], trailer: Uint8Array) {
    this.type = 'gcda';
    this.byteOrder = byteOrder;
    this.version = version;
    this.stamp = stamp;
    this.checksum = checksum;
    this.records = records;
    this.trailer = trailer;
  }
}

function fail(file: string, reason: string, offset: number): never {
  throw new GcovFormatError(reason, offset, file);
}

function frame(tag: number, length: number, payloadOffset: number, payloadSize: number): RecordFrame {
  return { tag, length, offset: payloadOffset - 8, payloadOffset, payloadSize };
}

/** Summaries and records kept raw (neither a FUNCTION nor a well-formed counter record). */
function decodeOther(bytes: Uint8Array, f: RecordFrame, little: boolean): GcdaRecord {
  const { tag, payloadOffset: at, payloadSize: size } = f;
  if (tag === TAG_OBJECT_SUMMARY || tag === TAG_PROGRAM_SUMMARY) {
    const payload = bytes.subarray(at, at + size);
    if (size === 8) return { type: 'summary', layout: 'runs', tag, ...decodeRunSummary(payload, little) };
    if (size === 12 && tag === TAG_PROGRAM_SUMMARY) {
      const dv = new DataView(payload.buffer, payload.byteOffset, 12);
      return { type: 'summary', layout: 'llvm-runs', tag, checksum: dv.getUint32(0, little), num: dv.getUint32(4, little), runs: dv.getUint32(8, little) };
    }
    if (size === 36) return { type: 'summary', layout: 'counters', tag, ...decodeLegacySummary(payload, little) };
    const h = decodeHistogramSummary(payload, little);
    if (h) return { type: 'summary', layout: 'counters', tag, ...h };
  }
  return rawRecord(bytes, f);
}

/**
 * Old LLVM runtimes (GCDAProfiling, "402*") write the function name after the checksums:
 * ident, checksum, [cfg checksum], name as a word-counted string.
 */
function decodeLlvmFunction(bytes: Uint8Array, f: RecordFrame, little: boolean): GcdaFunction | undefined {
  for (const fixedWords of [2, 3]) {
    if (f.payloadSize < fixedWords * 4 + 4) continue;
    const r = new ByteReader(bytes, little, '', f.payloadOffset, f.payloadOffset + f.payloadSize);
    const ident = r.u32();
    const linenoChecksum = r.u32();
    const cfgChecksum = fixedWords === 3 ? r.u32() : null;
    const words = r.view.getUint32(r.pos, little);
    if (4 + words * 4 !== r.remaining()) continue;
    const name = readString(r, false);
    if (name === undefined || r.remaining() !== 0) continue;
    return { type: 'function', ident, linenoChecksum, cfgChecksum, placeholder: false, name, records: [] };
  }
  return undefined;
}

function payloadSize(rec: GcdaRecord): number {
  switch (rec.type) {
    case 'function':
      if (rec.placeholder) return 0;
      return (rec.cfgChecksum === null ? 8 : 12) + (rec.name !== undefined ? stringSize(rec.name, false) : 0);
    case 'counters':
      return rec.compactZero ? 0 : rec.values.length * 8;
    case 'summary':
      return rec.layout === 'runs' ? 8 : rec.layout === 'llvm-runs' ? 12 : counterSummaryWords(rec.arcs) * 4;
    case 'raw':
      return rec.payload.length;
  }
}

/** The LEN field of a record: words or bytes per `unit`, negative for GCC 11+ all-zero counters. */
export function gcdaLengthField(rec: GcdaRecord, unit: 1 | 4): number {
  if (rec.type === 'raw') return rec.length;
  const zero = rec.type === 'counters' && rec.compactZero;
  const bytes = zero ? rec.values.length * 8 : payloadSize(rec);
  if (unit === 4 && bytes % 4 !== 0) throw new RangeError(`record of ${bytes} bytes is not a whole number of words`);
  return ((zero ? -1 : 1) * bytes) / unit;
}

/** Exact size of the encoded file. */
export function gcdaByteSize(file: GcdaFile): number {
  let n = file.checksum === null ? 12 : 16;
  const records = file.records;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    n += 8 + payloadSize(rec);
    if (rec.type === 'function') {
      const subs = rec.records;
      for (let j = 0; j < subs.length; j++) {
        const sub = subs[j]!;
        n += 8 + (sub.type === 'counters' ? (sub.compactZero ? 0 : sub.values.length * 8) : sub.payload.length);
      }
    }
  }
  return n + file.trailer.length;
}

/**
 * Writers reused from call to call (one per byte order): the file is encoded in one pass
 * into a buffer that only grows, then copied out at its exact size. A fresh buffer per call
 * and a separate sizing pass over the model cost about half the time of the kernel harvest.
 */
const SCRATCH_KEEP = 4 << 20;
let scratchLittle = new ByteWriter(true, 64 * 1024);
let scratchBig = new ByteWriter(false, 64 * 1024);

/**
 * Encodes a .gcda file; reading a file and writing it back gives the same bytes. A result of
 * up to 16 KiB is a view of a shared buffer (as Node pools small Buffers): use it with its
 * byteOffset/byteLength, and slice() it before transferring its `.buffer`. With `shared`, the
 * result is the writer's own buffer, valid until the next write (WriteOptions).
 */
export function writeGcda(file: GcdaFile, options: WriteOptions = {}): Uint8Array {
  const version = gcdaVersion(file);
  const features = featuresOf(version.number);
  if ((file.checksum !== null) !== features.headerChecksum) {
    throw new RangeError(`version ${version.text} ${features.headerChecksum ? 'needs' : 'has no'} a header checksum word`);
  }
  const unit = features.lengthInBytes ? 1 : 4;
  const little = file.byteOrder === 'little';
  const w = little ? scratchLittle : scratchBig;
  w.pos = 0;
  try {
    w.u32(GCDA_MAGIC);
    w.u32(file.version);
    w.u32(file.stamp);
    if (file.checksum !== null) w.u32(file.checksum);
    // Counters are copied a word at a time between Uint32Array views (one per counter buffer,
    // and the records of a file share one) when the byte orders allow: no view per record.
    const copier = newCopier();
    const records = file.records;
    const hostOrder = HOST_LITTLE_ENDIAN && little;
    for (let i = 0; i < records.length; i++) {
      // The fast path stops at a record of another kind (a summary, which GCC writes first)
      // or where the buffer must grow: that record goes the general way, then it resumes.
      if (hostOrder) {
        i = writeHostOrderRecords(w, records, i, unit, copier);
        if (i === records.length) break;
      }
      const rec = records[i]!;
      if (rec.type === 'counters') writeCounters(w, rec, unit, little, copier);
      else writeRecord(w, rec, unit, little);
      if (rec.type === 'function') {
        const subs = rec.records;
        for (let j = 0; j < subs.length; j++) {
          const sub = subs[j]!;
          if (sub.type === 'counters') writeCounters(w, sub, unit, little, copier);
          else writeRecord(w, sub, unit, little);
        }
      }
    }
    w.raw(file.trailer);
    return options.shared === true ? w.bytes.subarray(0, w.pos) : pooledCopy(w.bytes, w.pos);
  } finally {
    if (w.bytes.length > SCRATCH_KEEP) {
      if (little) scratchLittle = new ByteWriter(true, 64 * 1024);
      else scratchBig = new ByteWriter(false, 64 * 1024);
    }
  }
}

interface CounterCopier {
  /** The output buffer and its word and counter views (made once per buffer). */
  outBytes: Uint8Array | null;
  out32: Uint32Array | null;
  out64: BigInt64Array | null;
}

function newCopier(): CounterCopier {
  return { outBytes: null, out32: null, out64: null };
}

/** The copier's views of the writer's current buffer (which must start 8-byte aligned). */
function outputViews(w: ByteWriter, c: CounterCopier): void {
  if (c.outBytes !== w.bytes) {
    const b = w.bytes;
    c.outBytes = b;
    c.out32 = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
    c.out64 = new BigInt64Array(b.buffer, b.byteOffset, b.length >>> 3);
  }
}

/**
 * Copies counters to word `d` of the output. Same-type TypedArray#set is a block copy that
 * never reads the values as BigInts (about 20 ns for a record of 8, a third of a word loop
 * that first needs the values' buffer and offset); a record that starts 4 bytes off an 8-byte
 * boundary, every other one in a kernel file, goes through a bounce buffer, 64 counters at a time.
 */
function copyCounters(c: CounterCopier, values: BigInt64Array, d: number): void {
  if ((d & 1) === 0) {
    c.out64!.set(values, d >>> 1);
    return;
  }
  const out = c.out32!;
  const n = values.length;
  for (let from = 0; from < n; from += 64) {
    const part = n - from <= 64 ? (from === 0 ? values : values.subarray(from)) : values.subarray(from, from + 64);
    bounce64.set(part, 0);
    for (let s = 0, e = d + 2 * part.length; d < e; ) out[d++] = bounce32[s++]!;
  }
}

/** Bounce buffer for counters that land 4 bytes off an 8-byte boundary of the output. */
const bounce64 = new BigInt64Array(64);
const bounce32 = new Uint32Array(bounce64.buffer);

/**
 * The usual records of a file in the host's byte order (little-endian), stored as words
 * through one Uint32Array view of the output: functions and their counter records. Stops at
 * the first record of another kind, where the output must grow or is not word-aligned, and
 * returns that record's index: the caller writes it the general way and calls again.
 */
function writeHostOrderRecords(w: ByteWriter, records: GcdaRecord[], from: number, unit: 1 | 4, c: CounterCopier): number {
  if ((w.pos & 3) !== 0 || (w.bytes.byteOffset & 7) !== 0) return from;
  outputViews(w, c);
  const out = c.out32;
  let d = w.pos >>> 2;
  let i = from;
  for (; i < records.length; i++) {
    const fn = records[i]!;
    if (fn.type !== 'function' || fn.name !== undefined) break;
    const subs = fn.records;
    // Room for the function and all its counters, or leave it to the general path (which grows).
    const fnWords = fn.placeholder ? 2 : fn.cfgChecksum === null ? 4 : 5;
    let words = fnWords;
    for (let j = 0; j < subs.length; j++) {
      const sub = subs[j]!;
      if (sub.type !== 'counters') {
        words = -1;
        break;
      }
      words += sub.compactZero ? 2 : 2 + 2 * sub.values.length;
    }
    if (words < 0 || (d + words) * 4 > w.bytes.length) break;
    out![d] = TAG_FUNCTION;
    out![d + 1] = ((fnWords - 2) * 4) / unit;
    if (!fn.placeholder) {
      out![d + 2] = fn.ident;
      out![d + 3] = fn.linenoChecksum;
      if (fn.cfgChecksum !== null) out![d + 4] = fn.cfgChecksum;
    }
    d += fnWords;
    for (let j = 0; j < subs.length; j++) {
      const sub = subs[j] as CountersRecord;
      const values = sub.values;
      const n = values.length;
      out![d] = counterTag(sub.kind);
      if (sub.compactZero) {
        out![d + 1] = -(n * 8) / unit; // GCC 11+: negative length, no payload
        d += 2;
        continue;
      }
      out![d + 1] = (n * 8) / unit;
      copyCounters(c, values, d + 2);
      d += 2 + 2 * n;
    }
  }
  w.pos = d * 4;
  return i;
}

/** A counter record (gcdaLengthField's rule: negative byte/word count for the all-zero form). */
function writeCounters(w: ByteWriter, rec: CountersRecord, unit: 1 | 4, little: boolean, c: CounterCopier): void {
  const values = rec.values;
  const n = values.length;
  const bytes = n * 8;
  let pos = w.pos;
  if (pos + 8 + (rec.compactZero ? 0 : bytes) > w.bytes.length) {
    writeRecord(w, rec, unit, little); // grows the buffer
    return;
  }
  const view = w.view;
  view.setUint32(pos, counterTag(rec.kind), little);
  view.setInt32(pos + 4, ((rec.compactZero ? -bytes : bytes) / unit) | 0, little);
  pos += 8;
  if (!rec.compactZero) {
    if (HOST_LITTLE_ENDIAN && little && (pos & 3) === 0 && (w.bytes.byteOffset & 7) === 0) {
      outputViews(w, c);
      copyCounters(c, values, pos >>> 2);
    } else {
      writeCounterArray(w.bytes, pos, values, little);
    }
    pos += bytes;
  }
  w.pos = pos;
}

function recordTag(rec: GcdaRecord): number {
  switch (rec.type) {
    case 'function':
      return TAG_FUNCTION;
    case 'counters':
      return counterTag(rec.kind);
    default:
      return rec.tag;
  }
}

function writeRecord(w: ByteWriter, rec: GcdaRecord, unit: 1 | 4, little: boolean): void {
  w.u32(recordTag(rec));
  w.i32(gcdaLengthField(rec, unit));
  switch (rec.type) {
    case 'function':
      if (rec.placeholder) return;
      w.u32(rec.ident);
      w.u32(rec.linenoChecksum);
      if (rec.cfgChecksum !== null) w.u32(rec.cfgChecksum);
      if (rec.name !== undefined) writeString(w, rec.name, false);
      return;
    case 'counters':
      if (rec.compactZero) return;
      writeCounterArray(w.bytes, w.pos, rec.values, little);
      w.pos += rec.values.length * 8;
      return;
    case 'summary':
      if (rec.layout === 'runs') encodeRunSummary(w, rec.runs, rec.sumMax);
      else if (rec.layout === 'llvm-runs') {
        w.u32(rec.checksum);
        w.u32(rec.num);
        w.u32(rec.runs);
      } else encodeCounterSummary(w, rec.checksum, rec.arcs);
      return;
    case 'raw':
      w.raw(rec.payload);
      return;
  }
}

/** The functions of a file in order (FUNCTION records, placeholders included). */
export function gcdaFunctions(file: GcdaFile): GcdaFunction[] {
  return file.records.filter((r): r is GcdaFunction => r.type === 'function');
}

/** The summary records of a file in order. */
export function gcdaSummaries(file: GcdaFile): SummaryRecord[] {
  return file.records.filter((r): r is SummaryRecord => r.type === 'summary');
}

