import { HOST_LITTLE_ENDIAN } from '../format/bytes.js';

/**
 * 64-bit counter arithmetic without a BigInt per counter: the hot loops read a BigInt64Array
 * through an Int32Array view of the same memory (a high and a low word per counter) and
 * accumulate sums in float pieces that stay exact.
 */

/** Index of the high / low word of counter i within an Int32Array view (host byte order). */
export const HI = HOST_LITTLE_ENDIAN ? 1 : 0;
export const LO = HOST_LITTLE_ENDIAN ? 0 : 1;

export function wordView(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

const bufferWords = new WeakMap<ArrayBufferLike, Int32Array>();

/**
 * An Int32Array over the whole buffer of `values` (cached per buffer) and the word index
 * where `values` starts: the readers pool many records in one buffer, so hot loops reuse one
 * view instead of allocating one per record.
 */
export function bufferWordView(values: BigInt64Array): { words: Int32Array; at: number } {
  let words = bufferWords.get(values.buffer);
  if (!words || words.length * 4 !== values.buffer.byteLength) {
    words = new Int32Array(values.buffer, 0, values.buffer.byteLength >>> 2);
    bufferWords.set(values.buffer, words);
  }
  return { words, at: values.byteOffset >>> 2 };
}

const TWO32 = 4294967296;
const LIMIT = 2 ** 52;

/**
 * An exact 64-bit sum with C's wrap-around (gcov_type arithmetic): low words are added as
 * unsigned numbers, high words as signed ones, carries are folded in before either part can
 * lose precision, and the high part is reduced modulo 2^32 (only it matters modulo 2^64).
 */
export class Sum64 {
  private lo = 0;
  private hi = 0;

  add(hi: number, lo: number): void {
    this.lo += lo >>> 0;
    this.hi += hi;
    if (this.lo >= LIMIT || this.hi >= LIMIT || this.hi <= -LIMIT) this.fold();
  }

  /**
   * Adds sums of halves: hiSum of signed high words and loSum of unsigned low words, each an
   * exact double (at most 2^21 values of each).
   */
  addHalves(hiSum: number, loSum: number): void {
    this.fold();
    const carry = Math.floor(loSum / TWO32);
    this.lo += loSum - carry * TWO32;
    this.hi = (this.hi + ((hiSum + carry) % TWO32)) % TWO32;
    if (this.lo >= LIMIT) this.fold();
  }

  /** Adds another sum. */
  addSum(other: Sum64): void {
    other.fold();
    this.add(other.hi, other.lo);
  }

  addBig(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.add(Number(u >> 32n) | 0, Number(u & 0xffffffffn));
  }

  private fold(): void {
    const carry = Math.floor(this.lo / TWO32);
    this.lo -= carry * TWO32;
    this.hi = (this.hi + carry) % TWO32;
  }

  value(): bigint {
    this.fold();
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) + BigInt(this.lo));
  }
}

/** Signed 64-bit comparison of (ahi, alo) with (bhi, blo): negative, zero or positive. */
export function compare64(ahi: number, alo: number, bhi: number, blo: number): number {
  if (ahi !== bhi) return (ahi | 0) < (bhi | 0) ? -1 : 1;
  if (alo === blo) return 0;
  return alo >>> 0 < blo >>> 0 ? -1 : 1;
}

export function join64(hi: number, lo: number): bigint {
  return (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
}
