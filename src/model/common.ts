import { ByteReader, type ByteOrder } from '../format/bytes.js';
import { GcovFormatError } from '../format/errors.js';
import type { RecordFrame } from '../format/records.js';
import { GCDA_MAGIC, GCNO_MAGIC, tagDepth } from '../format/tags.js';
import { decodeVersion, type GcovVersion } from '../format/version.js';

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
  if (bytes.length === 0) throw new GcovFormatError(EMPTY_HINT, 0, file);
  if (bytes.length < 4) throw new GcovFormatError(`file of ${bytes.length} bytes is too short for a gcov header`, 0, file);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dv.getUint32(0, true);
  const be = dv.getUint32(0, false);
  let kind: FileKind;
  let little: boolean;
  if (le === GCDA_MAGIC || be === GCDA_MAGIC) {
    kind = 'gcda';
    little = le === GCDA_MAGIC;
  } else if (le === GCNO_MAGIC || be === GCNO_MAGIC) {
    kind = 'gcno';
    little = le === GCNO_MAGIC;
  } else {
    const allZero = bytes.every((b) => b === 0);
    throw new GcovFormatError(
      allZero ? 'not a gcov file: it holds only zero bytes' : `not a gcov file: magic ${hexBytes(bytes.subarray(0, 4))} is neither gcda nor gcno`,
      0,
      file,
    );
  }
  if (expect && kind !== expect) throw new GcovFormatError(`expected a .${expect} file but the magic says .${kind}`, 0, file);
  const reader = new ByteReader(bytes, little, file, 4);
  const word = reader.u32('version word');
  const version = decodeVersion(word);
  if (!version || version.number < 30) {
    throw new GcovFormatError(`unknown gcov version word 0x${word.toString(16).padStart(8, '0')}`, 4, file);
  }
  return { kind, little, version, reader };
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

export function byteOrderOf(little: boolean): ByteOrder {
  return little ? 'little' : 'big';
}

/** Detects the kind of a gcov file from its magic, or undefined. */
export function detectKind(bytes: Uint8Array): FileKind | undefined {
  if (bytes.length < 4) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dv.getUint32(0, true);
  const be = dv.getUint32(0, false);
  if (le === GCDA_MAGIC || be === GCDA_MAGIC) return 'gcda';
  if (le === GCNO_MAGIC || be === GCNO_MAGIC) return 'gcno';
  return undefined;
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
