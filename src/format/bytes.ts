import { GcovFormatError } from './errors.js';

export type ByteOrder = 'little' | 'big';

/** True when this JavaScript engine stores typed-array elements little-endian. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A cursor over the bytes of one file. Every read checks the bytes are present and
 * throws GcovFormatError naming the file and offset otherwise.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly little: boolean;
  readonly file: string;
  pos: number;
  /** Reads stop here (end of the record being parsed, or end of file). */
  limit: number;

  constructor(bytes: Uint8Array, little: boolean, file: string, pos = 0, limit = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = little;
    this.file = file;
    this.pos = pos;
    this.limit = limit;
  }

  fail(reason: string, offset = this.pos): never {
    throw new GcovFormatError(reason, offset, this.file);
  }

  remaining(): number {
    return this.limit - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.limit - this.pos) {
      this.fail(`${what} needs ${n} bytes but only ${Math.max(0, this.limit - this.pos)} remain`);
    }
  }

  u32(what = 'word'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, this.little);
    this.pos += 4;
    return v;
  }

  i32(what = 'word'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, this.little);
    this.pos += 4;
    return v;
  }

  /** A 64-bit counter: low word first, then high word, each in file byte order (gcov-io.h). */
  counter(what = 'counter'): bigint {
    this.need(8, what);
    const lo = this.view.getUint32(this.pos, this.little);
    const hi = this.view.getInt32(this.pos + 4, this.little);
    this.pos += 8;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** A writer into a buffer of known or growing size. */
export class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  readonly little: boolean;
  pos = 0;

  constructor(little: boolean, capacity = 256) {
    this.little = little;
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  private grow(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = Math.max(64, this.bytes.length * 2);
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  /** Makes room for `n` more bytes at `pos` (for callers that then write through `view`). */
  ensure(n: number): void {
    this.grow(n);
  }

  /** Writes `values` as 32-bit words. */
  words(values: Uint32Array): void {
    const n = values.length;
    this.grow(n * 4);
    const view = this.view;
    const little = this.little;
    let pos = this.pos;
    for (let i = 0; i < n; i++, pos += 4) view.setUint32(pos, values[i]!, little);
    this.pos = pos;
  }

  u32(v: number): void {
    this.grow(4);
    this.view.setUint32(this.pos, v >>> 0, this.little);
    this.pos += 4;
  }

  i32(v: number): void {
    this.grow(4);
    this.view.setInt32(this.pos, v | 0, this.little);
    this.pos += 4;
  }

  counter(v: bigint): void {
    this.grow(8);
    this.view.setUint32(this.pos, Number(BigInt.asUintN(32, v)), this.little);
    this.view.setUint32(this.pos + 4, Number(BigInt.asUintN(32, v >> 32n)), this.little);
    this.pos += 8;
  }

  raw(b: Uint8Array): void {
    this.grow(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }

  /** Reserves a length word to be patched once the record body is written. */
  reserve(): number {
    const at = this.pos;
    this.u32(0);
    return at;
  }

  patchI32(at: number, v: number): void {
    this.view.setInt32(at, v | 0, this.little);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

/** Reverses the bytes of every 32-bit word in `b[from, to)`. */
function swapWords(b: Uint8Array, from: number, to: number): void {
  for (let p = from; p < to; p += 4) {
    const b0 = b[p]!, b1 = b[p + 1]!;
    b[p] = b[p + 3]!;
    b[p + 1] = b[p + 2]!;
    b[p + 2] = b1;
    b[p + 3] = b0;
  }
}

/**
 * Copies `count` 64-bit counters stored in gcov order (low word first, each word in the
 * file's byte order) into a BigInt64Array: a new one, or a view of `into` at `intoOffset`
 * (8-byte aligned) when the caller pools the counters of a file. On a little-endian host this
 * is one block copy (plus a byte swap per word for big-endian files): no per-counter work.
 */
export function readCounterArray(
  bytes: Uint8Array,
  offset: number,
  count: number,
  little: boolean,
  into?: Uint8Array,
  intoOffset = 0,
): BigInt64Array {
  const out = into ? new BigInt64Array(into.buffer, into.byteOffset + intoOffset, count) : new BigInt64Array(count);
  if (HOST_LITTLE_ENDIAN) {
    const dst = into ?? new Uint8Array(out.buffer);
    const start = into ? intoOffset : 0;
    dst.set(bytes.subarray(offset, offset + count * 8), start);
    if (!little) swapWords(dst, start, start + count * 8);
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 8);
  for (let i = 0; i < count; i++) {
    out[i] = (BigInt(dv.getInt32(i * 8 + 4, little)) << 32n) | BigInt(dv.getUint32(i * 8, little));
  }
  return out;
}

/** Writes counters in gcov order and the given byte order at `offset` of `target`. */
export function writeCounterArray(target: Uint8Array, offset: number, values: BigInt64Array, little: boolean): void {
  if (HOST_LITTLE_ENDIAN) {
    target.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    if (!little) swapWords(target, offset, offset + values.byteLength);
    return;
  }
  const dv = new DataView(target.buffer, target.byteOffset + offset, values.byteLength);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    dv.setUint32(i * 8, Number(BigInt.asUintN(32, v)), little);
    dv.setUint32(i * 8 + 4, Number(BigInt.asUintN(32, v >> 32n)), little);
  }
}

/** The pieces, one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
