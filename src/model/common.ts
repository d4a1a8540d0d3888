import { ByteReader, type ByteOrder } from '../format/bytes.js';
import { GcovFormatError } from '../format/errors.js';
import type { RecordFrame } from '../format/records.js';
import { GCDA_MAGIC, GCNO_MAGIC, tagDepth } from '../format/tags.js';
import { decodeVersion, generationFeatures, type GcovVersion, type GenerationFeatures } from '../format/version.js';

/** A record kept as it was read: unknown tags, or known tags whose payload we would not write back identically. */
export interface RawRecord {
  readonly type: 'raw';
  tag: number;
  /** The LEN field as stored (signed). */
  length: number;
  /** Payload bytes in the file's byte order. */
  payload: Uint8Array;
}

export interface ReadOptions {
  /** Name used in error messages (a path, usually). */
  file?: string;
}

export interface WriteOptions {
  /**
   * Return a view of the writer's own buffer instead of a copy of it. The view is valid only
   * until the next call of writeGcda, writeGcno or writeGcovFile: use it at once (compare
   * it, write it to a file, copy it where it is kept), as with @msgpack/msgpack's
   * encodeSharedRef. Saves the copy, and keeps the output in memory that is already in cache.
   */
  shared?: boolean;
}

export type FileKind = 'gcda' | 'gcno';

export interface Preamble {
  kind: FileKind;
  little: boolean;
  version: GcovVersion;
  reader: ByteReader;
}

const EMPTY_HINT = 'the file is empty (a DebugFS .gcda copied with tar or cp comes out empty: copy each file with cat)';

/**
 * A plain Uint8Array view of the input: Node's Buffer#slice returns a view, so a model read
 * from a Buffer would share (and follow changes to) the caller's memory.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads magic and version: tells the file kind and byte order. */
export function readPreamble(bytes: Uint8Array, file: string, expect?: FileKind): Preamble {
  const { kind, little, version } = readHeaderWords(bytes, file, expect);
  return { kind, little, version, reader: new ByteReader(bytes, little, file, 8) };
}

/** The unsigned 32-bit word at `p` (the caller has checked that 4 bytes are present). */
export function wordAt(b: Uint8Array, p: number, little: boolean): number {
  return little
    ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0
    : ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function magicKind(bytes: Uint8Array): { kind: FileKind; little: boolean } | undefined {
  if (bytes.length < 4) return undefined;
  const le = wordAt(bytes, 0, true);
  const be = wordAt(bytes, 0, false);
  if (le === GCDA_MAGIC || be === GCDA_MAGIC) return le === GCDA_MAGIC ? GCDA_LITTLE : GCDA_BIG;
  if (le === GCNO_MAGIC || be === GCNO_MAGIC) return le === GCNO_MAGIC ? GCNO_LITTLE : GCNO_BIG;
  return undefined;
}
const GCDA_LITTLE = { kind: 'gcda', little: true } as const;
const GCDA_BIG = { kind: 'gcda', little: false } as const;
const GCNO_LITTLE = { kind: 'gcno', little: true } as const;
const GCNO_BIG = { kind: 'gcno', little: false } as const;

const featureCache: GenerationFeatures[] = [];

/** generationFeatures, computed once per version number (the readers need it for every file). */
export function featuresOf(versionNumber: number): GenerationFeatures {
  return (featureCache[versionNumber] ??= generationFeatures(versionNumber));
}

/** Decoded version words, shared (a file's header costs no allocation when its version was seen). */
const versionCache = new Map<number, GcovVersion>();

/**
 * Magic and version without a reader (the readers' fast path): kind, byte order and version;
 * the records start at byte 8. Throws GcovFormatError as readPreamble does.
 */
export function readHeaderWords(bytes: Uint8Array, file: string, expect?: FileKind): { kind: FileKind; little: boolean; version: GcovVersion } {
  if (bytes.length === 0) throw new GcovFormatError(EMPTY_HINT, 0, file);
  if (bytes.length < 4) throw new GcovFormatError(`file of ${bytes.length} bytes is too short for a gcov header`, 0, file);
  const m = magicKind(bytes);
  if (!m) {
    const allZero = bytes.every((b) => b === 0);
    throw new GcovFormatError(
      allZero ? 'not a gcov file: it holds only zero bytes' : `not a gcov file: magic ${hexBytes(bytes.subarray(0, 4))} is neither gcda nor gcno`,
      0,
      file,
    );
  }
  const { kind, little } = m;
  if (expect && kind !== expect) throw new GcovFormatError(`expected a .${expect} file but the magic says .${kind}`, 0, file);
  if (bytes.length < 8) throw new GcovFormatError(`version word needs 4 bytes but only ${bytes.length - 4} remain`, 4, file);
  const word = wordAt(bytes, 4, little);
  const version = versionOf(word);
  if (!version || version.number < 30) {
    throw new GcovFormatError(`unknown gcov version word 0x${word.toString(16).padStart(8, '0')}`, 4, file);
  }
  return { kind, little, version };
}

/** decodeVersion with a cache of the words seen (the result is shared: do not modify it). */
export function versionOf(word: number): GcovVersion | undefined {
  let version = versionCache.get(word);
  if (version === undefined) {
    version = decodeVersion(word);
    if (version && versionCache.size < 256) versionCache.set(word, version);
  }
  return version;
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

export function byteOrderOf(little: boolean): ByteOrder {
  return little ? 'little' : 'big';
}

/** Detects the kind of a gcov file from its magic, or undefined. */
export function detectKind(bytes: Uint8Array): FileKind | undefined {
  return magicKind(bytes)?.kind;
}

/** Keeps a record as it was read (a copy of its payload). */
export function rawRecord(bytes: Uint8Array, f: RecordFrame): RawRecord {
  return { type: 'raw', tag: f.tag, length: f.length, payload: bytes.slice(f.payloadOffset, f.payloadOffset + f.payloadSize) };
}

/**
 * Places a decoded record in the record tree: a FUNCTION record opens a function, and the
 * deeper records that follow it (counters, blocks, arcs, lines ...) become its children, as
 * the tag levels of gcov-io.h say; any other level-1 record closes the open function.
 * Returns the function that is open after this record.
 */
export function placeRecord<R extends { type: string }>(
  top: R[],
  open: { records: unknown[] } | null,
  rec: R,
  tag: number,
): { records: unknown[] } | null {
  if (rec.type === 'function') {
    top.push(rec);
    return rec as unknown as { records: unknown[] };
  }
  if (open && tagDepth(tag) > 1) {
    open.records.push(rec);
    return open;
  }
  top.push(rec);
  return tagDepth(tag) === 1 ? null : open;
}
