import { ByteReader, ByteWriter, HOST_LITTLE_ENDIAN, readCounterArray, writeCounterArray, type ByteOrder } from '../format/bytes.js';
import { frameRecords, readString, stringSize, writeString, type RecordFrame } from '../format/records.js';
import {
  decodeHistogramSummary,
  decodeLegacySummary,
  decodeRunSummary,
  encodeCounterSummary,
  encodeRunSummary,
  counterSummaryWords,
  type CounterSummary,
} from '../format/summary-codec.js';
import { GCDA_MAGIC, TAG_FUNCTION, TAG_OBJECT_SUMMARY, TAG_PROGRAM_SUMMARY, counterKindOfTag, counterTag } from '../format/tags.js';
import { decodeVersion, generationFeatures, type GcovVersion } from '../format/version.js';
import { byteOrderOf, placeRecord, plainBytes, rawRecord, readPreamble, type RawRecord, type ReadOptions } from './common.js';

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
  const v = decodeVersion(file.version);
  if (!v) throw new RangeError(`invalid version word 0x${file.version.toString(16)}`);
  return v;
}

/** Reads a .gcda file. Throws GcovFormatError (file, offset) on malformed input. */
export function readGcda(bytes: Uint8Array, options: ReadOptions = {}): GcdaFile {
  const file = options.file ?? '<buffer>';
  bytes = plainBytes(bytes);
  const { little, version, reader } = readPreamble(bytes, file, 'gcda');
  const features = generationFeatures(version.number);
  const stamp = reader.u32('stamp');
  const checksum = features.headerChecksum ? reader.u32('checksum word') : null;
  const unit = features.lengthInBytes ? 1 : 4;
  const { records: frames, end } = frameRecords(reader, unit);
  // All counters of the file share one buffer (one allocation per file, a word copy per
  // record): per-record arrays made garbage collection the largest cost on kernel harvests.
  let total = 0;
  for (const f of frames) if (f.length > 0 && f.payloadSize % 8 === 0 && counterKindOfTag(f.tag) >= 0) total += f.payloadSize;
  const pool: CounterPool = { buffer: new ArrayBuffer(total), used: 0, src32: null, dst32: null };
  if (HOST_LITTLE_ENDIAN && (bytes.byteOffset & 3) === 0) {
    pool.src32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    pool.dst32 = new Uint32Array(pool.buffer);
  }
  const records: GcdaRecord[] = [];
  let open: { records: unknown[] } | null = null;
  for (const f of frames) open = placeRecord(records, open, decodeRecord(bytes, reader.view, f, little, unit, pool), f.tag);
  return {
    type: 'gcda',
    byteOrder: byteOrderOf(little),
    version: version.word,
    stamp,
    checksum,
    records,
    trailer: bytes.slice(end),
  };
}

interface CounterPool {
  buffer: ArrayBuffer;
  used: number;
  /** Word views of the input and the pool, for small records (no view allocation per record). */
  src32: Uint32Array | null;
  dst32: Uint32Array | null;
}

/** Copies one counter record's payload into the file's pool and returns its view. */
function poolCounters(bytes: Uint8Array, at: number, size: number, little: boolean, pool: CounterPool): BigInt64Array {
  const start = pool.used;
  pool.used += size;
  const values = new BigInt64Array(pool.buffer, start, size >>> 3);
  if (pool.src32 && pool.dst32 && little && size <= 256 && (at & 3) === 0) {
    const src = pool.src32;
    const dst = pool.dst32;
    for (let i = 0, s = at >>> 2, d = start >>> 2, n = size >>> 2; i < n; i++) dst[d + i] = src[s + i]!;
    return values;
  }
  readCounterArray(bytes, at, size >>> 3, little, new Uint8Array(pool.buffer), start);
  return values;
}

function decodeRecord(bytes: Uint8Array, view: DataView, f: RecordFrame, little: boolean, unit: 1 | 4, pool: CounterPool): GcdaRecord {
  const { tag, payloadOffset: at, payloadSize: size } = f;
  if (tag === TAG_FUNCTION) {
    if (size === 0) return { type: 'function', ident: 0, linenoChecksum: 0, cfgChecksum: null, placeholder: true, records: [] };
    if (size === 8 || size === 12) {
      return {
        type: 'function',
        ident: view.getUint32(at, little),
        linenoChecksum: view.getUint32(at + 4, little),
        cfgChecksum: size === 12 ? view.getUint32(at + 8, little) : null,
        placeholder: false,
        records: [],
      };
    }
    return decodeLlvmFunction(bytes, f, little) ?? rawRecord(bytes, f);
  }
  const kind = counterKindOfTag(tag);
  if (kind >= 0) {
    if (f.length < 0) {
      const count = (-f.length * unit) / 8;
      return { type: 'counters', kind, values: new BigInt64Array(count), compactZero: true };
    }
    if (size % 8 !== 0) return rawRecord(bytes, f);
    return { type: 'counters', kind, values: poolCounters(bytes, at, size, little, pool), compactZero: false };
  }
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
  for (const rec of file.records) {
    n += 8 + payloadSize(rec);
    if (rec.type === 'function') for (const sub of rec.records) n += 8 + payloadSize(sub);
  }
  return n + file.trailer.length;
}

/** Encodes a .gcda file; reading a file and writing it back gives the same bytes. */
export function writeGcda(file: GcdaFile): Uint8Array {
  const version = gcdaVersion(file);
  const features = generationFeatures(version.number);
  if ((file.checksum !== null) !== features.headerChecksum) {
    throw new RangeError(`version ${version.text} ${features.headerChecksum ? 'needs' : 'has no'} a header checksum word`);
  }
  const unit = features.lengthInBytes ? 1 : 4;
  const little = file.byteOrder === 'little';
  const size = gcdaByteSize(file);
  const w = new ByteWriter(little, size);
  w.u32(GCDA_MAGIC);
  w.u32(file.version);
  w.u32(file.stamp);
  if (file.checksum !== null) w.u32(file.checksum);
  for (const rec of file.records) {
    writeRecord(w, rec, unit, little);
    if (rec.type === 'function') for (const sub of rec.records) writeRecord(w, sub, unit, little);
  }
  w.raw(file.trailer);
  if (w.pos !== size) throw new Error(`internal: wrote ${w.pos} bytes, expected ${size}`);
  return w.bytes.length === size ? w.bytes : w.finish();
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

