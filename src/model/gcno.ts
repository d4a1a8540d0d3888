import { ByteReader, ByteWriter, type ByteOrder } from '../format/bytes.js';
import { GcovFormatError } from '../format/errors.js';
import { frameRecords, readString, writeString, type RecordFrame } from '../format/records.js';
import { GCNO_MAGIC, TAG_ARCS, TAG_BLOCKS, TAG_CONDS, TAG_FUNCTION, TAG_LINES, TAG_PATHS } from '../format/tags.js';
import { generationFeatures, type GenerationFeatures } from '../format/version.js';
import { byteOrderOf, placeRecord, plainBytes, rawRecord, readPreamble, type RawRecord, type ReadOptions } from './common.js';
import { gcdaVersion } from './gcda.js';

/** BLOCKS: GCC 8+ stores only the number of blocks; earlier versions one flag word per block. */
export interface BlocksRecord {
  readonly type: 'blocks';
  /** Number of blocks. */
  count: number;
  /** Per-block flags (GCC < 8), or null when the record holds just the count. */
  flags: Uint32Array | null;
}

/** ARCS: the arcs leaving one block, as (destination block, flags) pairs. */
export interface ArcsRecord {
  readonly type: 'arcs';
  block: number;
  /** Flattened pairs: arcs[2i] destination block, arcs[2i+1] flags (ARC_ON_TREE, ARC_FAKE, ...). */
  arcs: Uint32Array;
}

/** LINES: the source lines of one block; a string entry switches the current file. */
export interface LinesRecord {
  readonly type: 'lines';
  block: number;
  /** Line numbers, and file names (strings) where the file changes. */
  entries: Array<number | string>;
}

/** GCC 14+ CONDITIONS notes: pairs of words (block, number of terms). */
export interface ConditionsRecord {
  readonly type: 'conditions';
  words: Uint32Array;
}

/** GCC 15+ PATHS notes. */
export interface PathsRecord {
  readonly type: 'paths';
  words: Uint32Array;
}

export type GcnoFunctionChild = BlocksRecord | ArcsRecord | LinesRecord | ConditionsRecord | PathsRecord | RawRecord;

/** A notes FUNCTION record; fields absent from the file's generation are null. */
export interface GcnoFunction {
  readonly type: 'function';
  ident: number;
  linenoChecksum: number;
  /** GCC 4.7+. */
  cfgChecksum: number | null;
  name: string | null;
  /** GCC 8+: compiler-generated function. */
  artificial: number | null;
  source: string | null;
  startLine: number;
  /** GCC 8+. */
  startColumn: number | null;
  /** GCC 8+. */
  endLine: number | null;
  /** GCC 9+. */
  endColumn: number | null;
  records: GcnoFunctionChild[];
}

export type GcnoRecord = GcnoFunction | GcnoFunctionChild;

/** A .gcno notes file. */
export interface GcnoFile {
  readonly type: 'gcno';
  byteOrder: ByteOrder;
  version: number;
  stamp: number;
  /** GCC 12+ header checksum word (GCC writes 0); null before 12. */
  checksum: number | null;
  /** GCC 9+: the compiler's working directory (null: a NULL string); undefined before 9. */
  cwd?: string | null;
  /** GCC 8+: support_unexecuted_blocks word (0 for Ada); null before 8. */
  unexecutedBlocks: number | null;
  records: GcnoRecord[];
  trailer: Uint8Array;
}

export function readGcno(bytes: Uint8Array, options: ReadOptions = {}): GcnoFile {
  const file = options.file ?? '<buffer>';
  bytes = plainBytes(bytes);
  const { little, version, reader } = readPreamble(bytes, file, 'gcno');
  const features = generationFeatures(version.number);
  const stamp = reader.u32('stamp');
  const checksum = features.headerChecksum ? reader.u32('checksum word') : null;
  let cwd: string | null | undefined;
  // An empty notes file of GCC 8+ may end right after the stamp (seen with GNAT).
  const headerOnly = reader.remaining() === 0;
  if (features.gcnoCwd && !headerOnly) {
    const at = reader.pos;
    cwd = readString(reader, features.byteStrings);
    if (cwd === undefined) throw new GcovFormatError('the cwd string would not be written back identically (not UTF-8 or odd padding)', at, file);
  }
  const unexecutedBlocks = features.gcnoUnexecutedBlocks && !headerOnly ? reader.u32('support_unexecuted_blocks word') : null;
  const { records: frames, end } = frameRecords(reader, features.lengthInBytes ? 1 : 4);
  const records: GcnoRecord[] = [];
  let open: { records: unknown[] } | null = null;
  for (const f of frames) open = placeRecord(records, open, decodeRecord(bytes, f, little, features, file), f.tag);
  const out: GcnoFile = {
    type: 'gcno',
    byteOrder: byteOrderOf(little),
    version: version.word,
    stamp,
    checksum,
    unexecutedBlocks,
    records,
    trailer: bytes.slice(end),
  };
  if (cwd !== undefined) out.cwd = cwd;
  return out;
}

function words(r: ByteReader, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.u32();
  return out;
}

function decodeRecord(bytes: Uint8Array, f: RecordFrame, little: boolean, ft: GenerationFeatures, file: string): GcnoRecord {
  const r = new ByteReader(bytes, little, file, f.payloadOffset, f.payloadOffset + f.payloadSize);
  let rec: GcnoRecord | undefined;
  try {
    rec = decodePayload(r, f, ft);
  } catch (e) {
    if (!(e instanceof GcovFormatError)) throw e;
    rec = undefined; // payload does not follow this generation's layout: keep it raw
  }
  if (!rec || r.pos !== r.limit) return rawRecord(bytes, f);
  return rec;
}

function decodePayload(r: ByteReader, f: RecordFrame, ft: GenerationFeatures): GcnoRecord | undefined {
  const size = f.payloadSize;
  switch (f.tag) {
    case TAG_FUNCTION: {
      const ident = r.u32();
      const linenoChecksum = r.u32();
      const cfgChecksum = ft.cfgChecksum ? r.u32() : null;
      const name = readString(r, ft.byteStrings);
      const artificial = ft.gcnoFunctionV8 ? r.u32() : null;
      const source = readString(r, ft.byteStrings);
      if (name === undefined || source === undefined) return undefined;
      const startLine = r.u32();
      const startColumn = ft.gcnoFunctionV8 ? r.u32() : null;
      const endLine = ft.gcnoFunctionV8 ? r.u32() : null;
      const endColumn = ft.gcnoFunctionV9 ? r.u32() : null;
      return { type: 'function', ident, linenoChecksum, cfgChecksum, name, artificial, source, startLine, startColumn, endLine, endColumn, records: [] };
    }
    case TAG_BLOCKS:
      if (size % 4) return undefined;
      if (ft.blocksAsCount) return size === 4 ? { type: 'blocks', count: r.u32(), flags: null } : undefined;
      return { type: 'blocks', count: size / 4, flags: words(r, size / 4) };
    case TAG_ARCS:
      if (size < 4 || (size - 4) % 8) return undefined;
      return { type: 'arcs', block: r.u32(), arcs: words(r, (size - 4) / 4) };
    case TAG_LINES: {
      const block = r.u32();
      const entries: Array<number | string> = [];
      for (;;) {
        const line = r.u32();
        if (line !== 0) {
          entries.push(line);
          continue;
        }
        const s = readString(r, ft.byteStrings);
        if (s === undefined) return undefined;
        if (s === null) break;
        entries.push(s);
      }
      return { type: 'lines', block, entries };
    }
    case TAG_CONDS:
      return size % 4 ? undefined : { type: 'conditions', words: words(r, size / 4) };
    case TAG_PATHS:
      return size % 4 ? undefined : { type: 'paths', words: words(r, size / 4) };
    default:
      return undefined;
  }
}

function writeRecord(w: ByteWriter, rec: GcnoRecord, ft: GenerationFeatures): void {
  const unit = ft.lengthInBytes ? 1 : 4;
  if (rec.type === 'raw') {
    w.u32(rec.tag);
    w.i32(rec.length);
    w.raw(rec.payload);
    return;
  }
  const tag = { function: TAG_FUNCTION, blocks: TAG_BLOCKS, arcs: TAG_ARCS, lines: TAG_LINES, conditions: TAG_CONDS, paths: TAG_PATHS }[rec.type];
  w.u32(tag);
  const lengthAt = w.reserve();
  const start = w.pos;
  switch (rec.type) {
    case 'function':
      w.u32(rec.ident);
      w.u32(rec.linenoChecksum);
      if (ft.cfgChecksum) w.u32(rec.cfgChecksum ?? 0);
      writeString(w, rec.name, ft.byteStrings);
      if (ft.gcnoFunctionV8) w.u32(rec.artificial ?? 0);
      writeString(w, rec.source, ft.byteStrings);
      w.u32(rec.startLine);
      if (ft.gcnoFunctionV8) {
        w.u32(rec.startColumn ?? 0);
        w.u32(rec.endLine ?? 0);
      }
      if (ft.gcnoFunctionV9) w.u32(rec.endColumn ?? 0);
      break;
    case 'blocks':
      if (ft.blocksAsCount) w.u32(rec.count);
      else for (const x of rec.flags ?? new Uint32Array(rec.count)) w.u32(x);
      break;
    case 'arcs':
      w.u32(rec.block);
      for (const x of rec.arcs) w.u32(x);
      break;
    case 'lines':
      w.u32(rec.block);
      for (const e of rec.entries) {
        if (typeof e === 'number') w.u32(e);
        else {
          w.u32(0);
          writeString(w, e, ft.byteStrings);
        }
      }
      w.u32(0);
      writeString(w, null, ft.byteStrings);
      break;
    case 'conditions':
    case 'paths':
      for (const x of rec.words) w.u32(x);
      break;
  }
  const bytes = w.pos - start;
  if (unit === 4 && bytes % 4) throw new RangeError('internal: unaligned record in a word-length file');
  w.patchI32(lengthAt, bytes / unit);
}

/** The LEN field the writer gives a record (encodes it to measure: notes are not a hot path). */
export function gcnoLengthField(rec: GcnoRecord, ft: GenerationFeatures): number {
  if (rec.type === 'raw') return rec.length;
  const w = new ByteWriter(true, 64);
  writeRecord(w, rec, ft);
  return w.view.getInt32(4, true);
}

export function writeGcno(file: GcnoFile): Uint8Array {
  const version = gcdaVersion(file);
  const ft = generationFeatures(version.number);
  if ((file.checksum !== null) !== ft.headerChecksum) {
    throw new RangeError(`version ${version.text} ${ft.headerChecksum ? 'needs' : 'has no'} a header checksum word`);
  }
  const w = new ByteWriter(file.byteOrder === 'little', 1024);
  w.u32(GCNO_MAGIC);
  w.u32(file.version);
  w.u32(file.stamp);
  if (file.checksum !== null) w.u32(file.checksum);
  if (file.cwd !== undefined) writeString(w, file.cwd, ft.byteStrings);
  if (file.unexecutedBlocks !== null) w.u32(file.unexecutedBlocks);
  for (const rec of file.records) {
    writeRecord(w, rec, ft);
    if (rec.type === 'function') for (const sub of rec.records) writeRecord(w, sub, ft);
  }
  w.raw(file.trailer);
  return w.finish();
}
