import { ByteReader, ByteWriter, HOST_LITTLE_ENDIAN, type ByteOrder } from '../format/bytes.js';
import { GcovFormatError } from '../format/errors.js';
import { frameRecords, readString, writeString, type RecordFrame } from '../format/records.js';
import { GCNO_MAGIC, TAG_ARCS, TAG_BLOCKS, TAG_CONDS, TAG_FUNCTION, TAG_LINES, TAG_PATHS, tagDepth } from '../format/tags.js';
import type { GenerationFeatures } from '../format/version.js';
import { freshArray, pooledCopy, trailerOf } from './buffers.js';
import { byteOrderOf, featuresOf, placeRecord, plainBytes, rawRecord, readHeaderWords, versionOf, type RawRecord, type ReadOptions, type WriteOptions } from './common.js';
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
  /**
   * Flattened pairs of unsigned 32-bit words: arcs[2i] destination block, arcs[2i+1] flags
   * (ARC_ON_TREE, ARC_FAKE, ...). A plain array, not a Uint32Array: kernel notes have an ARCS
   * record every 85 bytes, and a typed array costs twice what an array does to create.
   */
  arcs: number[];
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
  const { little, version } = readHeaderWords(bytes, file, 'gcno');
  const ft = featuresOf(version.number);
  const size = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size < 12) fail(file, `stamp needs 4 bytes but only ${size - 8} remain`, 8);
  const stamp = view.getUint32(8, little);
  let pos = 12;
  let checksum: number | null = null;
  if (ft.headerChecksum) {
    if (size < 16) fail(file, `checksum word needs 4 bytes but only ${size - 12} remain`, 12);
    checksum = view.getUint32(12, little);
    pos = 16;
  }
  const dec = new GcnoDecoder(bytes, view, little, ft);
  let cwd: string | null | undefined;
  // An empty notes file of GCC 8+ may end right after the stamp (seen with GNAT).
  const headerOnly = pos === size;
  if (ft.gcnoCwd && !headerOnly) {
    // Through the cache of strings: every file of a build has the same one. Read again by
    // readString for its error when it is not a string readStringAt takes.
    cwd = readStringAt(dec, pos, size);
    if (cwd !== undefined) pos = dec.strEnd;
    else {
      const r = new ByteReader(bytes, little, file, pos);
      cwd = readString(r, ft.byteStrings);
      if (cwd === undefined) throw new GcovFormatError('the cwd string would not be written back identically (not UTF-8 or odd padding)', pos, file);
      pos = r.pos;
    }
  }
  let unexecutedBlocks: number | null = null;
  if (ft.gcnoUnexecutedBlocks && !headerOnly) {
    if (size - pos < 4) fail(file, `support_unexecuted_blocks word needs 4 bytes but only ${size - pos} remain`, pos);
    unexecutedBlocks = view.getUint32(pos, little);
    pos += 4;
  }
  const first = pos;
  const header = new NotesHeader(version.word, stamp, checksum, cwd, unexecutedBlocks);
  // One pass that checks the framing as it decodes. On anything unexpected it gives up, and
  // the general path reads the file again: frameRecords reports the error in its words, or
  // the counter-tagged records of negative length that GCC never writes in notes are read.
  const model = decodeNotes(dec, header, first, size);
  return model ?? readGcnoFramed(bytes, file, little, version.word, stamp, checksum, cwd, unexecutedBlocks, first);
}

/** The header fields of a notes file, between reading the header and the records. */
class NotesHeader {
  constructor(
    readonly version: number,
    readonly stamp: number,
    readonly checksum: number | null,
    readonly cwd: string | null | undefined,
    readonly unexecutedBlocks: number | null,
  ) {}
}

/**
 * Decodes the records from `first` up to the end tag, or to `end`, checking their framing:
 * undefined at the first one that is not framed as frameRecords requires (a negative length
 * included), before any of the model is returned.
 */
function decodeNotes(dec: GcnoDecoder, h: NotesHeader, first: number, end: number): GcnoFile | undefined {
  const { bytes, view } = dec;
  const little = dec.little === true; // known to be a boolean: see writeFunctionChildren
  const unit = dec.ft.lengthInBytes ? 1 : 4;
  const records: GcnoRecord[] = freshArray();
  let open: GcnoFunction | null = null;
  let pos = first;
  // Imported constants in locals: read in the loop, each is a load through its module's
  // cell and a check that it is initialized.
  const tagArcs = TAG_ARCS;
  const tagLines = TAG_LINES;
  while (pos < end) {
    if (end - pos < 8) {
      if (end - pos >= 4 && view.getUint32(pos, little) === 0) break;
      return undefined;
    }
    const tag = view.getUint32(pos, little);
    if (tag === 0) break;
    const length = view.getInt32(pos + 4, little);
    const at = pos + 8;
    if (length < 0 || length * unit > end - at) return undefined;
    pos = at + length * unit;
    // ARCS and LINES, nine records in ten, are decoded here and go to the open function.
    let rec: GcnoRecord | undefined;
    if (open !== null && (tag === tagArcs || tag === tagLines)) {
      rec = tag === tagLines ? decodeLines(dec, at, pos) : decodeArcs(dec, at, pos);
      if (rec !== undefined) {
        open.records.push(rec);
        continue;
      }
    } else rec = decodeAt(dec, tag, at, pos);
    rec ??= rawRecord(bytes, { tag, length, offset: at - 8, payloadOffset: at, payloadSize: length * unit });
    if (rec.type === 'function') {
      records.push(rec);
      open = rec;
    } else if (open !== null && tagDepth(tag) > 1) open.records.push(rec);
    else {
      records.push(rec);
      if (tagDepth(tag) === 1) open = null;
    }
  }
  return new NotesFile(byteOrderOf(little), h.version, h.stamp, h.checksum, h.cwd, h.unexecutedBlocks, records, trailerOf(bytes, pos));
}

/**
 * The general path, for notes the one pass gave up on: it throws frameRecords' error, or
 * reads counter-tagged records of negative length (never written by GCC in notes, but
 * framed like .gcda's all-zero records) by frameRecords' full rules.
 */
function readGcnoFramed(
  bytes: Uint8Array,
  file: string,
  little: boolean,
  versionWord: number,
  stamp: number,
  checksum: number | null,
  cwd: string | null | undefined,
  unexecutedBlocks: number | null,
  first: number,
): GcnoFile {
  const ft = featuresOf(versionOf(versionWord)!.number);
  const reader = new ByteReader(bytes, little, file, first);
  const { records: frames, end } = frameRecords(reader, ft.lengthInBytes ? 1 : 4);
  const records: GcnoRecord[] = [];
  let open: { records: unknown[] } | null = null;
  for (const f of frames) open = placeRecord(records, open, decodeRecord(bytes, f, little, ft, file), f.tag);
  const out: GcnoFile = { type: 'gcno', byteOrder: byteOrderOf(little), version: versionWord, stamp, checksum, unexecutedBlocks, records, trailer: trailerOf(bytes, end) };
  if (cwd !== undefined) out.cwd = cwd;
  return out;
}

function fail(file: string, reason: string, offset: number): never {
  throw new GcovFormatError(reason, offset, file);
}

/**
 * State of one file's decoding (one per file: no reader or view per record). A class, as the
 * records below: see there.
 */
class GcnoDecoder {
  /** Word view of the input when it is little-endian and aligned like the host's words. */
  readonly src32: Uint32Array | null;
  /** End of the last string read by readStringAt. */
  strEnd = 0;
  /** The last string returned and where its bytes are (size -1: none yet). */
  lastAt = 0;
  lastSize = -1;
  lastValue = '';
  /** Its count word as stored (-1: none yet). */
  lastCount = -1;
  /** The string before it that differs from it (size -1: none yet): files alternate between a source and a header. */
  prevAt = 0;
  prevSize = -1;
  prevValue = '';
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    readonly little: boolean,
    readonly ft: GenerationFeatures,
  ) {
    this.src32 = HOST_LITTLE_ENDIAN && little && (bytes.byteOffset & 3) === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2) : null;
  }
}

class CachedString {
  constructor(
    /** Where the string's bytes, as stored (its NUL and padding included), are in stringArena. */
    readonly at: number,
    /** Their size (-1: an empty slot). */
    readonly size: number,
    /** Whether they are stored as GCC 12+ writes strings (byte count) or as before (word count). */
    readonly byteStrings: boolean,
    readonly value: string,
    /** Its hash (stringHash). */
    readonly hash: number,
  ) {}
}

/**
 * Strings decoded so far, by a hash of their bytes as stored, with a copy of those bytes to
 * compare: the file names of a notes file repeat in its LINES records, and header names and
 * the inline functions of headers repeat from one object to the next. TextDecoder costs more
 * than a lookup (about 150 ns a name). A table of 16,384 slots; a string has two, from two
 * hashes, and goes into its first, moving what was there to that one's second. The copies
 * of the bytes share one arena, and when it is full the table empties. A hit means the
 * stored bytes are those of a string that was checked when it went in, so they need no
 * check again.
 */
const stringArena = new Uint8Array(256 * 1024);
const stringArenaView = new DataView(stringArena.buffer);
let stringArenaUsed = 0;
const KNOWN_STRINGS_BITS = 14;
const KNOWN_STRINGS_MASK = (1 << KNOWN_STRINGS_BITS) - 1;
const noString = new CachedString(0, -1, false, '', 0);
const knownStrings: CachedString[] = new Array<CachedString>(1 << KNOWN_STRINGS_BITS).fill(noString);

function rememberString(h: number, b: Uint8Array, p: number, size: number, byteStrings: boolean, value: string): void {
  if (size > 4096) return;
  if (stringArenaUsed + size > stringArena.length) {
    knownStrings.fill(noString);
    stringArenaUsed = 0;
  }
  const at = stringArenaUsed;
  for (let i = 0; i < size; i++) stringArena[at + i] = b[p + i]!;
  stringArenaUsed += size;
  const first = h & KNOWN_STRINGS_MASK;
  const moved = knownStrings[first]!;
  if (moved.size >= 0) knownStrings[(moved.hash >>> KNOWN_STRINGS_BITS) & KNOWN_STRINGS_MASK] = moved;
  knownStrings[first] = new CachedString(at, size, byteStrings, value, h);
}

/** A hash of the `size` bytes at `p`, a word at a time: its low bits and the next ones are the two slots in knownStrings. */
function stringHash(view: DataView, p: number, size: number): number {
  let h = Math.imul(0x811c9dc5 ^ size, 0x01000193);
  if (size >= 4) {
    const last = p + size - 4;
    for (; p < last; p += 4) h = Math.imul(h ^ view.getUint32(p, true), 0x01000193);
    h = Math.imul(h ^ view.getUint32(last, true), 0x01000193); // overlaps the word before when size % 4
  } else for (let e = p + size; p < e; p++) h = Math.imul(h ^ view.getUint8(p), 0x01000193);
  // MurmurHash3's finalizer: the multiplications above carry low bits up, never down.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * `n` words at `at`, in an array of their own. Only BLOCKS of GCC < 8 (one a function),
 * CONDITIONS and PATHS have them: notes of GCC 8 to 13 have none.
 */
function wordsAt(d: GcnoDecoder, at: number, n: number): Uint32Array {
  const dst = new Uint32Array(n);
  if (d.src32 !== null && (at & 3) === 0) {
    const src = d.src32;
    for (let s = at >>> 2, i = 0; i < n; ) dst[i++] = src[s++]!;
  } else {
    const view = d.view;
    const little = d.little === true;
    for (let i = 0; i < n; i++) dst[i] = view.getUint32(at + 4 * i, little);
  }
  return dst;
}

/*
 * The reader makes its records with these constructors rather than object literals (the
 * objects have the same own properties, in the same order; the classes add nothing to the
 * prototype). V8 tracks the objects of a literal by its allocation site and, once most of
 * them outlive a few collections (models kept in memory), allocates them in the old
 * generation from then on: every model read after that is garbage only a full collection
 * reclaims, and the young objects it points to survive every scavenge. That cut .gcno parse
 * throughput 3-5x in runs that had kept models read earlier. Objects made by `new` are
 * always allocated young.
 */
class NotesFunction implements GcnoFunction {
  declare readonly type: 'function';
  declare ident: number;
  declare linenoChecksum: number;
  declare cfgChecksum: number | null;
  declare name: string | null;
  declare artificial: number | null;
  declare source: string | null;
  declare startLine: number;
  declare startColumn: number | null;
  declare endLine: number | null;
  declare endColumn: number | null;
  declare records: GcnoFunctionChild[];
  constructor(
    ident: number,
    linenoChecksum: number,
    cfgChecksum: number | null,
    name: string | null,
    artificial: number | null,
    source: string | null,
    startLine: number,
    startColumn: number | null,
    endLine: number | null,
    endColumn: number | null,
  ) {
    this.type = 'function';
    this.ident = ident;
    this.linenoChecksum = linenoChecksum;
    this.cfgChecksum = cfgChecksum;
    this.name = name;
    this.artificial = artificial;
    this.source = source;
    this.startLine = startLine;
    this.startColumn = startColumn;
    this.endLine = endLine;
    this.endColumn = endColumn;
    this.records = freshArray();
  }
}

class Lines implements LinesRecord {
  declare readonly type: 'lines';
  declare block: number;
  declare entries: Array<number | string>;
  constructor(block: number, entries: Array<number | string>) {
    this.type = 'lines';
    this.block = block;
    this.entries = entries;
  }
}

class Arcs implements ArcsRecord {
  declare readonly type: 'arcs';
  declare block: number;
  declare arcs: number[];
  constructor(block: number, arcs: number[]) {
    this.type = 'arcs';
    this.block = block;
    this.arcs = arcs;
  }
}

class Blocks implements BlocksRecord {
  declare readonly type: 'blocks';
  declare count: number;
  declare flags: Uint32Array | null;
  constructor(count: number, flags: Uint32Array | null) {
    this.type = 'blocks';
    this.count = count;
    this.flags = flags;
  }
}

class Words implements ConditionsRecord {
  declare readonly type: 'conditions';
  declare words: Uint32Array;
  constructor(type: 'conditions' | 'paths', words: Uint32Array) {
    (this as { type: string }).type = type;
    this.words = words;
  }
}

class NotesFile implements GcnoFile {
  declare readonly type: 'gcno';
  declare byteOrder: ByteOrder;
  declare version: number;
  declare stamp: number;
  declare checksum: number | null;
  declare cwd?: string | null;
  declare unexecutedBlocks: number | null;
  declare records: GcnoRecord[];
  declare trailer: Uint8Array;
  constructor(
    byteOrder: ByteOrder,
    version: number,
    stamp: number,
    checksum: number | null,
    cwd: string | null | undefined,
    unexecutedBlocks: number | null,
    records: GcnoRecord[],
    trailer: Uint8Array,
  ) {
    this.type = 'gcno';
    this.byteOrder = byteOrder;
    this.version = version;
    this.stamp = stamp;
    this.checksum = checksum;
    this.unexecutedBlocks = unexecutedBlocks;
    this.records = records;
    this.trailer = trailer;
    if (cwd !== undefined) this.cwd = cwd; // absent before GCC 9
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * readString's rules at a payload offset, reading no further than `lim`: null for the NULL
 * string, undefined when the record would not be written back identically (or the string
 * runs past the record, which makes the record raw, as before). Sets d.strEnd.
 */
function readStringAt(d: GcnoDecoder, p: number, lim: number): string | null | undefined {
  if (lim - p < 4) return undefined;
  const view = d.view;
  const count = view.getUint32(p, d.little === true);
  p += 4;
  if (count === 0) {
    d.strEnd = p;
    return null;
  }
  const byteStrings = d.ft.byteStrings === true;
  if (!byteStrings && count > 0x3fffffff) return undefined;
  const size = byteStrings ? count : count * 4;
  if (size > lim - p) return undefined;
  const endAt = p + size;
  d.strEnd = endAt;
  // Most often this is the string of the previous LINES record again, next most often the
  // one before that (a source file and a header alternate), then one seen before: the same
  // bytes as stored (NUL and padding included) are the same string.
  if (size === d.lastSize && sameBytes(view, d.lastAt, view, p, size)) return d.lastValue;
  let value: string | undefined;
  if (size === d.prevSize && sameBytes(view, d.prevAt, view, p, size)) {
    value = d.prevValue;
  } else value = knownString(d, p, size, count);
  if (value === undefined) return undefined;
  d.prevAt = d.lastAt;
  d.prevSize = d.lastSize;
  d.prevValue = d.lastValue;
  d.lastAt = p;
  d.lastSize = size;
  d.lastValue = value;
  d.lastCount = count;
  return value;
}

/** The string of the `size` bytes at `p` (count word `count` before them): from knownStrings, or decoded and remembered; undefined if not a string readString takes. */
function knownString(d: GcnoDecoder, p: number, size: number, count: number): string | undefined {
  const view = d.view;
  const byteStrings = d.ft.byteStrings === true;
  const endAt = p + size;
  const h = stringHash(view, p, size);
  let value: string;
  let known = knownStrings[h & KNOWN_STRINGS_MASK]!;
  if (known.size !== size || known.byteStrings !== byteStrings || !sameBytes(stringArenaView, known.at, view, p, size)) known = knownStrings[(h >>> KNOWN_STRINGS_BITS) & KNOWN_STRINGS_MASK]!;
  if (known.size === size && known.byteStrings === byteStrings && sameBytes(stringArenaView, known.at, view, p, size)) {
    value = known.value;
  } else {
    const b = d.bytes;
    let nul = p;
    while (nul < endAt && b[nul] !== 0) nul++;
    if (nul === endAt) return undefined;
    if (byteStrings && nul !== endAt - 1) return undefined;
    for (let i = nul + 1; i < endAt; i++) if (b[i] !== 0) return undefined;
    // GCC <= 11 pads with 1-4 NULs: the count must be the minimal (strlen + 4) >> 2.
    if (!byteStrings && (nul - p + 4) >> 2 !== count) return undefined;
    try {
      value = utf8.decode(b.subarray(p, nul));
    } catch {
      return undefined;
    }
    rememberString(h, b, p, size, byteStrings, value);
  }
  return value;
}

/** Whether the `n` bytes at `a` of `va` and at `b` of `vb` are equal: a word at a time (any alignment), last to first. */
function sameBytes(va: DataView, a: number, vb: DataView, b: number, n: number): boolean {
  // From the end: the file names of one object mostly differ in their last characters.
  if (n >= 4) {
    for (let i = n - 4; i > 0; i -= 4) if (va.getUint32(a + i, true) !== vb.getUint32(b + i, true)) return false;
    return va.getUint32(a, true) === vb.getUint32(b, true); // overlaps the word after when n % 4
  }
  for (let i = 0; i < n; i++) if (va.getUint8(a + i) !== vb.getUint8(b + i)) return false;
  return true;
}

const scratchEntries: Array<number | string> = freshArray();

/**
 * A LINES payload [at, lim): block, then line numbers, each file name after a 0 word, ended
 * by a 0 word and the NULL string. (Nearly every record starts with the file name of the
 * record before it: recognised below before readStringAt is called.)
 */
function decodeLines(d: GcnoDecoder, at: number, lim: number): LinesRecord | undefined {
  if (lim - at < 4) return undefined;
  const view = d.view;
  const little = d.little === true;
  const block = view.getUint32(at, little);
  // Collected in a reused array, then copied out at their exact size (one allocation).
  const entries = scratchEntries;
  let n = 0;
  let p = at + 4;
  for (;;) {
    if (lim - p < 4) return undefined;
    const line = view.getUint32(p, little);
    p += 4;
    if (line !== 0) {
      entries[n++] = line;
      continue;
    }
    // The previous string again (most LINES records start with it): checked here, before
    // the call, from its count word and bytes. readStringAt checks it too (for FUNCTION
    // records); a shared helper for both cost 2% where this saves 2.5% (bench/icount.js).
    if (lim - p >= 4) {
      const size = d.lastSize;
      if (view.getUint32(p, little) === d.lastCount && size <= lim - p - 4 && sameBytes(view, d.lastAt, view, p + 4, size)) {
        entries[n++] = d.lastValue;
        p += 4 + size;
        continue;
      }
    }
    const s = readStringAt(d, p, lim);
    if (s === undefined) return undefined;
    p = d.strEnd;
    if (s === null) break;
    entries[n++] = s;
  }
  if (p !== lim) return undefined;
  // A loop into new Array(n), not entries.slice(0, n): slice of the scratch array took
  // half the parse time of kernel notes (V8 12, Node 20).
  const exact: Array<number | string> = new Array(n);
  for (let i = 0; i < n; i++) exact[i] = entries[i]!;
  return new Lines(block, exact);
}

/** An ARCS payload [at, lim): block, then (destination, flags) pairs. */
function decodeArcs(d: GcnoDecoder, at: number, lim: number): ArcsRecord | undefined {
  const size = lim - at;
  if (size < 4 || (size - 4) % 8) return undefined;
  const n = (size - 4) >>> 2;
  const arcs: number[] = new Array(n);
  const src = d.src32;
  if (src !== null && (at & 3) === 0) for (let i = 0, s = (at >>> 2) + 1; i < n; ) arcs[i++] = src[s++]!;
  else for (let i = 0, view = d.view, little = d.little === true, p = at + 4; i < n; p += 4) arcs[i++] = view.getUint32(p, little);
  return new Arcs(d.view.getUint32(at, d.little === true), arcs);
}

/** Decodes one record's payload [at, lim), or undefined to keep it raw (decodePayload's rules). */
function decodeAt(d: GcnoDecoder, tag: number, at: number, lim: number): GcnoRecord | undefined {
  const view = d.view;
  const little = d.little === true;
  const size = lim - at;
  switch (tag) {
    case TAG_LINES:
      return decodeLines(d, at, lim);
    case TAG_ARCS:
      return decodeArcs(d, at, lim);
    case TAG_FUNCTION: {
      const ft = d.ft;
      let p = at;
      if (lim - p < (ft.cfgChecksum ? 12 : 8)) return undefined;
      const ident = view.getUint32(p, little);
      const linenoChecksum = view.getUint32(p + 4, little);
      const cfgChecksum = ft.cfgChecksum ? view.getUint32(p + 8, little) : null;
      p += ft.cfgChecksum ? 12 : 8;
      const name = readStringAt(d, p, lim);
      if (name === undefined) return undefined;
      p = d.strEnd;
      let artificial: number | null = null;
      if (ft.gcnoFunctionV8) {
        if (lim - p < 4) return undefined;
        artificial = view.getUint32(p, little);
        p += 4;
      }
      const source = readStringAt(d, p, lim);
      if (source === undefined) return undefined;
      p = d.strEnd;
      const tail = 4 + (ft.gcnoFunctionV8 ? 8 : 0) + (ft.gcnoFunctionV9 ? 4 : 0);
      if (lim - p !== tail) return undefined;
      const startLine = view.getUint32(p, little);
      const startColumn = ft.gcnoFunctionV8 ? view.getUint32(p + 4, little) : null;
      const endLine = ft.gcnoFunctionV8 ? view.getUint32(p + 8, little) : null;
      const endColumn = ft.gcnoFunctionV9 ? view.getUint32(p + 12, little) : null;
      return new NotesFunction(ident, linenoChecksum, cfgChecksum, name, artificial, source, startLine, startColumn, endLine, endColumn);
    }
    case TAG_BLOCKS:
      if (size % 4) return undefined;
      if (d.ft.blocksAsCount) return size === 4 ? new Blocks(view.getUint32(at, little), null) : undefined;
      return new Blocks(size / 4, wordsAt(d, at, size / 4));
    case TAG_CONDS:
      return size % 4 ? undefined : new Words('conditions', wordsAt(d, at, size / 4));
    case TAG_PATHS:
      return size % 4 ? undefined : new Words('paths', wordsAt(d, at, size / 4));
    default:
      return undefined;
  }
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
      return { type: 'arcs', block: r.u32(), arcs: Array.from(words(r, (size - 4) / 4)) };
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

function notesTag(rec: Exclude<GcnoRecord, RawRecord>): number {
  switch (rec.type) {
    case 'function':
      return TAG_FUNCTION;
    case 'blocks':
      return TAG_BLOCKS;
    case 'arcs':
      return TAG_ARCS;
    case 'lines':
      return TAG_LINES;
    case 'conditions':
      return TAG_CONDS;
    case 'paths':
      return TAG_PATHS;
  }
}

function writeRecord(w: ByteWriter, rec: GcnoRecord, ft: GenerationFeatures, strings: WrittenStrings | null = null): void {
  if (rec.type === 'raw') {
    w.u32(rec.tag);
    w.i32(rec.length);
    w.raw(rec.payload);
    return;
  }
  // FUNCTION, ARCS and LINES have the encoders of writeGcno's loop (one record of a function's
  // kinds is written as a function of one record).
  if (rec.type === 'function') return writeFunction(w, rec, ft, strings);
  if (rec.type === 'arcs' || rec.type === 'lines') return writeFunctionChildren(w, [rec], ft, strings ?? new WrittenStrings());
  const unit = ft.lengthInBytes ? 1 : 4;
  w.u32(notesTag(rec));
  const lengthAt = w.reserve();
  const start = w.pos;
  switch (rec.type) {
    case 'blocks':
      if (ft.blocksAsCount) w.u32(rec.count);
      else w.words(rec.flags ?? new Uint32Array(rec.count));
      break;
    case 'conditions':
    case 'paths':
      w.words(rec.words);
      break;
  }
  const bytes = w.pos - start;
  if (unit === 4 && bytes % 4) throw new RangeError('internal: unaligned record in a word-length file');
  w.patchI32(lengthAt, bytes / unit);
}

/**
 * A FUNCTION record, with the fixed words stored through the view (a ByteWriter call per word
 * cost writing the kernel notes 6% more, counted with bench/icount.js). Without `strings`
 * (gcnoLengthField), its source string is written out rather than copied.
 */
function writeFunction(w: ByteWriter, rec: GcnoFunction, ft: GenerationFeatures, strings: WrittenStrings | null): void {
  const little = w.little;
  w.ensure(20);
  let view = w.view;
  const start = w.pos;
  view.setUint32(start, TAG_FUNCTION, little);
  view.setUint32(start + 8, rec.ident, little);
  view.setUint32(start + 12, rec.linenoChecksum, little);
  let pos = start + 16;
  if (ft.cfgChecksum) {
    view.setUint32(pos, rec.cfgChecksum ?? 0, little);
    pos += 4;
  }
  w.pos = pos;
  writeString(w, rec.name, ft.byteStrings);
  if (ft.gcnoFunctionV8) w.u32(rec.artificial ?? 0);
  if (strings === null || rec.source === null) writeString(w, rec.source, ft.byteStrings);
  else writeCachedString(w, rec.source, ft.byteStrings, strings);
  w.ensure(16);
  view = w.view;
  pos = w.pos;
  view.setUint32(pos, rec.startLine, little);
  pos += 4;
  if (ft.gcnoFunctionV8) {
    view.setUint32(pos, rec.startColumn ?? 0, little);
    view.setUint32(pos + 4, rec.endLine ?? 0, little);
    pos += 8;
  }
  if (ft.gcnoFunctionV9) {
    view.setUint32(pos, rec.endColumn ?? 0, little);
    pos += 4;
  }
  const bytes = pos - start - 8;
  if (!ft.lengthInBytes && bytes % 4) throw new RangeError('internal: unaligned record in a word-length file');
  view.setUint32(start + 4, ft.lengthInBytes ? bytes : bytes >> 2, little);
  w.pos = pos;
}

/*
 * The records of one function: ARCS and LINES, nine in ten records of a notes file, written
 * with the writer's buffer, view and position in locals and one capacity check per record;
 * the other kinds through writeRecord. (A function per record that read and wrote back the
 * ByteWriter's fields, as before, cost 6.5% more instructions.) Words go through the DataView:
 * those of a GCC 12+ file are not 4-byte aligned, its strings being counted in bytes.
 */
function writeFunctionChildren(w: ByteWriter, subs: readonly GcnoFunctionChild[], ft: GenerationFeatures, strings: WrittenStrings): void {
  // "=== true": the optimizing compiler then knows these are booleans, and does not test the
  // truth of each at every use (about 20 instructions a test, seen in its code).
  const little = w.little === true;
  const lengthInBytes = ft.lengthInBytes === true;
  const byteStrings = ft.byteStrings === true;
  const blocksAsCount = ft.blocksAsCount === true;
  const tagArcs = TAG_ARCS; // imported constants in locals: see decodeNotes
  const tagLines = TAG_LINES;
  const tagBlocks = TAG_BLOCKS;
  let bytes = w.bytes;
  let view = w.view;
  let pos = w.pos;
  // strings.last and where it is, in locals for the loop (stored back at the end)
  let last = strings.last;
  let lastAt = strings.lastAt;
  let lastSize = strings.lastSize;
  for (let j = 0; j < subs.length; j++) {
    const sub = subs[j]!;
    if (sub.type === 'arcs') {
      const arcs = sub.arcs;
      const n = arcs.length;
      const size = 4 + 4 * n;
      if (pos + 8 + size > bytes.length) {
        w.pos = pos;
        w.ensure(8 + size);
        bytes = w.bytes;
        view = w.view;
      }
      view.setUint32(pos, tagArcs, little);
      view.setUint32(pos + 4, lengthInBytes ? size : size >> 2, little);
      view.setUint32(pos + 8, sub.block, little);
      pos += 12;
      for (let i = 0; i < n; i++, pos += 4) {
        const v = arcs[i]!;
        view.setUint32(pos, (v >>> 0) === v ? v : arcWord(sub, i), little);
      }
    } else if (sub.type === 'lines') {
      const entries = sub.entries;
      const n = entries.length;
      // Room for the header, a word per entry and the end (a string makes room for itself).
      if (pos + 20 + 4 * n > bytes.length) {
        w.pos = pos;
        w.ensure(20 + 4 * n);
        bytes = w.bytes;
        view = w.view;
      }
      const start = pos;
      view.setUint32(start, tagLines, little);
      view.setUint32(start + 8, sub.block, little);
      pos += 12;
      for (let i = 0; i < n; i++) {
        const e = entries[i]!;
        if (typeof e === 'number') {
          view.setUint32(pos, e, little);
          pos += 4;
          continue;
        }
        view.setUint32(pos, 0, little);
        pos += 4;
        // A file name: most often the one of the previous LINES record, else maybe one
        // written earlier in the file; either way its bytes (count word included) are copied
        // from where they were first written. (writeCachedString's rules, inline: calling it
        // here, with the state in `strings` and `w`, cost 10%: 22.37 against 20.32 M
        // instructions a pass.)
        let from = -1;
        let size = 0;
        if (e === last) {
          from = lastAt;
          size = lastSize;
        } else {
          const found = strings.at.get(e);
          if (found !== undefined) {
            from = found;
            const count = view.getUint32(found, little);
            size = 4 + (byteStrings ? count : count * 4);
          }
        }
        const room = 4 * (n - i) + 8; // what the rest of the record needs besides strings
        if (from < 0) {
          w.pos = pos;
          w.ensure(8 + 3 * e.length + room);
          writeString(w, e, byteStrings);
          bytes = w.bytes;
          view = w.view;
          if (e.length >= 8) strings.at.set(e, pos);
          from = pos;
          size = w.pos - pos;
          pos = w.pos;
        } else {
          if (pos + size + room > bytes.length) {
            w.pos = pos;
            w.ensure(size + room);
            bytes = w.bytes;
            view = w.view;
          }
          copyEarlierBytes(w, from, pos, size);
          pos += size;
        }
        last = e;
        lastAt = from;
        lastSize = size;
      }
      view.setUint32(pos, 0, little);
      view.setUint32(pos + 4, 0, little); // the NULL string that ends the record
      pos += 8;
      const size = pos - start - 8;
      view.setUint32(start + 4, lengthInBytes ? size : size >> 2, little);
    } else if (sub.type === 'blocks' && blocksAsCount) {
      if (pos + 12 > bytes.length) {
        w.pos = pos;
        w.ensure(12);
        bytes = w.bytes;
        view = w.view;
      }
      view.setUint32(pos, tagBlocks, little);
      view.setUint32(pos + 4, lengthInBytes ? 4 : 1, little);
      view.setUint32(pos + 8, sub.count, little);
      pos += 12;
    } else {
      w.pos = pos;
      writeRecord(w, sub, ft, strings);
      bytes = w.bytes;
      view = w.view;
      pos = w.pos;
    }
  }
  w.pos = pos;
  strings.last = last;
  strings.lastAt = lastAt;
  strings.lastSize = lastSize;
}

/** arcs[i] of an ARCS record, checked to be an unsigned 32-bit word. */
function arcWord(rec: ArcsRecord, i: number): number {
  const v = rec.arcs[i];
  if (typeof v !== 'number' || (v >>> 0) !== v) throw new RangeError(`ARCS record of block ${rec.block}: arcs[${i}] is ${String(v)}, not an unsigned 32-bit word`);
  return v;
}

/** Where the strings of the file being written are (count word first), for writeCachedString. */
class WrittenStrings {
  readonly at = new Map<string, number>();
  /** The last string writeCachedString wrote or copied, where its bytes are (-1: none yet), and their size. */
  last = '';
  lastAt = -1;
  lastSize = 0;
}

/**
 * writeString for the file names that every LINES record repeats: the second time a string
 * is written, its bytes (count word included) are copied from where it was first written.
 * Most often it is the string of the previous LINES record: that one needs no lookup.
 */
function writeCachedString(w: ByteWriter, s: string, byteStrings: boolean, strings: WrittenStrings): void {
  let at = -1;
  let size = 0;
  if (s === strings.last) {
    at = strings.lastAt;
    size = strings.lastSize;
  } else {
    const found = strings.at.get(s);
    if (found !== undefined && w.pos - found >= 4) {
      at = found;
      size = stringSizeAt(w, found, byteStrings);
    }
  }
  if (at < 0) {
    const start = w.pos;
    writeString(w, s, byteStrings);
    if (s.length < 8) return;
    strings.at.set(s, start);
    at = start;
    size = w.pos - start;
  } else {
    w.ensure(size);
    copyEarlierBytes(w, at, w.pos, size);
    w.pos += size;
  }
  strings.last = s;
  strings.lastAt = at;
  strings.lastSize = size;
}

/**
 * Copies `n` bytes from `from` to `to` (>= from + n) in the writer's buffer: a word loop for
 * the few dozen bytes of a file name (at any alignment: GCC 12+ strings are counted in
 * bytes), where copyWithin, a call into C++, costs more than the copy.
 */
function copyEarlierBytes(w: ByteWriter, from: number, to: number, n: number): void {
  if (n > 256) {
    w.bytes.copyWithin(to, from, from + n);
    return;
  }
  const view = w.view;
  let i = 0;
  for (; i + 4 <= n; i += 4) view.setUint32(to + i, view.getUint32(from + i, true), true);
  // The last 1-3 bytes as the word ending there, which also writes again the bytes before them.
  if (i < n && n >= 4) view.setUint32(to + n - 4, view.getUint32(from + n - 4, true), true);
  else for (const b = w.bytes; i < n; i++) b[to + i] = b[from + i]!;
}

/** Size of the string written at `at` (count word included), from its count word. */
function stringSizeAt(w: ByteWriter, at: number, byteStrings: boolean): number {
  const count = w.view.getUint32(at, w.little);
  return 4 + (byteStrings ? count : count * 4);
}

/** The LEN field the writer gives a record (encodes it to measure: notes are not a hot path). */
export function gcnoLengthField(rec: GcnoRecord, ft: GenerationFeatures): number {
  if (rec.type === 'raw') return rec.length;
  const w = new ByteWriter(true, 64);
  writeRecord(w, rec, ft);
  return w.view.getInt32(4, true);
}

/** Writers reused from call to call, one per byte order (see writeGcda). */
const SCRATCH_KEEP = 4 << 20;
let scratchLittle = new ByteWriter(true, 64 * 1024);
let scratchBig = new ByteWriter(false, 64 * 1024);

/**
 * Encodes a .gcno file (the result may be a view of a shared buffer, as writeGcda's; with
 * `shared`, the writer's own buffer, valid until the next write: WriteOptions).
 */
export function writeGcno(file: GcnoFile, options: WriteOptions = {}): Uint8Array {
  const version = gcdaVersion(file);
  const ft = featuresOf(version.number);
  if ((file.checksum !== null) !== ft.headerChecksum) {
    throw new RangeError(`version ${version.text} ${ft.headerChecksum ? 'needs' : 'has no'} a header checksum word`);
  }
  const little = file.byteOrder === 'little';
  const w = little ? scratchLittle : scratchBig;
  w.pos = 0;
  try {
    w.u32(GCNO_MAGIC);
    w.u32(file.version);
    w.u32(file.stamp);
    if (file.checksum !== null) w.u32(file.checksum);
    if (file.cwd !== undefined) writeString(w, file.cwd, ft.byteStrings);
    if (file.unexecutedBlocks !== null) w.u32(file.unexecutedBlocks);
    const strings = new WrittenStrings();
    const records = file.records;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      if (rec.type === 'function') {
        writeFunction(w, rec, ft, strings);
        writeFunctionChildren(w, rec.records, ft, strings);
      } else writeRecord(w, rec, ft, strings);
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
