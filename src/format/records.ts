import { ByteReader, ByteWriter } from './bytes.js';
import { counterKindOfTag } from './tags.js';

/** One record as framed in the file: where it is and its raw length field. */
export interface RecordFrame {
  readonly tag: number;
  /** The LEN field as a signed 32-bit value (negative: GCC 11+ all-zero counters). */
  readonly length: number;
  /** Offset of the tag word. */
  readonly offset: number;
  /** Offset of the payload. */
  readonly payloadOffset: number;
  /** Bytes of payload present in the file (0 for a negative length). */
  readonly payloadSize: number;
}

/**
 * Most counters a file may declare through GCC 11+ all-zero records (negative lengths carry
 * no payload, so the file's size does not bound them): 2^23 counters, 64 MiB. The largest
 * real function seen (a kernel object) has a few thousand.
 */
export const MAX_COMPACT_ZERO_COUNTERS = 1 << 23;

export interface Framing {
  readonly records: RecordFrame[];
  /** Offset of the terminating zero tag, or the file size if the records run to the end. */
  readonly end: number;
}

/**
 * Splits the body of a gcov file into records. `unit` is 1 when lengths count bytes
 * (GCC 12+) and 4 when they count words. Stops at EOF or at a zero tag; whatever follows a
 * zero tag (LLVM's zero length word, stale bytes of an older file rewritten in place) is
 * the trailer and is not interpreted. Every claimed length is checked against the bytes
 * present before anything is allocated for it.
 */
export function frameRecords(r: ByteReader, unit: 1 | 4): Framing {
  const records: RecordFrame[] = [];
  const view = r.view;
  const little = r.little;
  const size = r.limit;
  let pos = r.pos;
  let compactZeros = 0;
  while (pos < size) {
    if (size - pos < 4) r.fail(`truncated record: ${size - pos} stray bytes where a tag word should be`, pos);
    const tag = view.getUint32(pos, little);
    if (tag === 0) break;
    if (size - pos < 8) r.fail(`truncated record: tag ${hex(tag)} has no length word`, pos);
    const length = view.getInt32(pos + 4, little);
    let payloadSize = 0;
    if (length < 0) {
      if (counterKindOfTag(tag) < 0) r.fail(`record ${hex(tag)} has a negative length ${length}`, pos + 4);
      if ((-length * (unit === 4 ? 4 : 1)) % 8 !== 0) r.fail(`all-zero counter record ${hex(tag)} has length ${length}, not a whole number of counters`, pos + 4);
      compactZeros += (-length * unit) / 8;
      if (compactZeros > MAX_COMPACT_ZERO_COUNTERS) {
        r.fail(`all-zero counter records declare more than ${MAX_COMPACT_ZERO_COUNTERS} counters (length ${length}): refused`, pos + 4);
      }
    } else {
      payloadSize = length * unit;
      if (payloadSize > size - pos - 8) {
        r.fail(`record ${hex(tag)} claims ${payloadSize} bytes but only ${size - pos - 8} remain`, pos + 4);
      }
    }
    records.push({ tag, length, offset: pos, payloadOffset: pos + 8, payloadSize });
    pos += 8 + payloadSize;
  }
  r.pos = pos;
  return { records, end: pos };
}

export function hex(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

// ignoreBOM: keep a leading U+FEFF, which the default decoder would silently drop.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Reads a gcov string. GCC <= 11: a word count, then the characters, a NUL and zero padding
 * to a word boundary; GCC 12+: a byte count including the NUL, no padding. A count of 0 is
 * the NULL string. Returns undefined if the bytes would not be written back identically
 * (invalid UTF-8, non-zero padding, missing NUL), so the caller keeps the record raw.
 */
export function readString(r: ByteReader, byteStrings: boolean): string | null | undefined {
  const count = r.u32('string length');
  if (count === 0) return null;
  const size = byteStrings ? count : count * 4;
  if (!byteStrings && count > 0x3fffffff) r.fail(`string length ${count} words is impossible`, r.pos - 4);
  const raw = r.take(size, 'string');
  let nul = raw.indexOf(0);
  if (nul < 0) return undefined;
  if (byteStrings && nul !== size - 1) return undefined;
  for (let i = nul + 1; i < size; i++) if (raw[i] !== 0) return undefined;
  // GCC <= 11 pads with 1-4 NULs: the count must be the minimal (strlen + 4) >> 2.
  if (!byteStrings && ((nul + 4) >> 2) !== count) return undefined;
  try {
    return utf8.decode(raw.subarray(0, nul));
  } catch {
    return undefined;
  }
}

export function encodeString(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Length of `s` in UTF-8 when it is all ASCII (the usual case: one byte per character), else -1. */
function asciiLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return -1;
  return s.length;
}

/** Size in bytes of a string as written, including its count word. */
export function stringSize(s: string | null, byteStrings: boolean): number {
  if (s === null) return 4;
  let n = asciiLength(s);
  if (n < 0) n = encodeString(s).length;
  return byteStrings ? 4 + n + 1 : 4 + (((n + 4) >> 2) << 2);
}

/** Writes a gcov string in the layout of `readString`. */
export function writeString(w: ByteWriter, s: string | null, byteStrings: boolean): void {
  if (s === null) {
    w.u32(0);
    return;
  }
  // One pass for ASCII, the usual case: the characters are the bytes, stored while checking
  // that they are (no encoder call, no temporary array); otherwise written again, encoded.
  const n = s.length;
  w.ensure(n + 8); // count word, characters, NUL and padding
  const bytes = w.bytes;
  const at = w.pos + 4;
  let any = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    bytes[at + i] = c;
    any |= c;
  }
  if (any <= 0x7f) {
    const size = byteStrings ? n + 1 : ((n + 4) >> 2) << 2;
    for (let i = n; i < size; i++) bytes[at + i] = 0;
    w.view.setUint32(at - 4, byteStrings ? size : size >> 2, w.little);
    w.pos = at + size;
    return;
  }
  const b = encodeString(s);
  if (byteStrings) {
    w.u32(b.length + 1);
    w.raw(b);
    w.raw(new Uint8Array(1));
  } else {
    const n = (b.length + 4) >> 2;
    w.u32(n);
    w.raw(b);
    w.raw(new Uint8Array(n * 4 - b.length));
  }
}
