/**
 * Buffer pools of the readers and writers (internal: not exported from the package).
 *
 * Allocating an ArrayBuffer costs about a microsecond (a backing store outside the heap,
 * zero-filled and accounted to the GC), as much as decoding or encoding a whole kernel
 * .gcda file. So small files share slabs, as Node pools small Buffers (allocUnsafe).
 */

/**
 * Counter (and .gcno word array) storage for one file read. Small files take a slice of a shared 64 KiB slab;
 * large files get a buffer of their own, so a kept model pins at most one slab besides.
 */
const COUNTER_SLAB_SIZE = 64 * 1024;
/** Larger requests get a buffer of their own. */
export const SLAB_SHARE_MAX = COUNTER_SLAB_SIZE / 4;
let counterSlab = new ArrayBuffer(0);
let counterSlabUsed = 0;

export function slabSpace(total: number): { buffer: ArrayBuffer; offset: number } {
  if (total > SLAB_SHARE_MAX) return { buffer: new ArrayBuffer(total), offset: 0 };
  if (counterSlabUsed + total > counterSlab.byteLength) {
    counterSlab = new ArrayBuffer(COUNTER_SLAB_SIZE);
    counterSlabUsed = 0;
  }
  const offset = counterSlabUsed;
  counterSlabUsed = (offset + total + 7) & ~7; // each file's space starts 8-byte aligned
  return { buffer: counterSlab, offset };
}

export const counterSpace = slabSpace;

/**
 * slabSpace for a reader that knows only an upper bound (`max` <= 16 KiB) before it decodes:
 * it takes the space now and gives back what it did not use with slabGiveBack.
 */
export const slabReserve = slabSpace;

/** Ends a slabReserve: keeps the first `used` bytes. A no-op when the slab was changed or used since. */
export function slabGiveBack(space: { buffer: ArrayBuffer; offset: number }, max: number, used: number): void {
  if (space.buffer === counterSlab && counterSlabUsed === ((space.offset + max + 7) & ~7)) {
    counterSlabUsed = (space.offset + used + 7) & ~7;
  }
}

/**
 * The first `n` bytes of `src` in a new Uint8Array. Up to 16 KiB are copied into a shared
 * 128 KiB slab and returned as a view of it: the bytes are the caller's alone, but `.buffer`
 * is the slab, so use byteOffset/byteLength with it and copy (slice) the result before
 * transferring its buffer to a worker.
 */
const OUT_SLAB_SIZE = 128 * 1024;
let outSlab = new ArrayBuffer(0);
let outSlabBytes = new Uint8Array(outSlab);
let outSlabUsed = 0;

export function pooledCopy(src: Uint8Array, n: number): Uint8Array {
  if (n > OUT_SLAB_SIZE / 8) return src.slice(0, n);
  if (outSlabUsed + n > OUT_SLAB_SIZE || outSlab.byteLength === 0) {
    outSlab = new ArrayBuffer(OUT_SLAB_SIZE);
    outSlabBytes = new Uint8Array(outSlab);
    outSlabUsed = 0;
  }
  const at = outSlabUsed;
  outSlabUsed = (at + n + 7) & ~7; // each result starts 8-byte aligned
  outSlabBytes.set(src.subarray(0, n), at);
  return new Uint8Array(outSlab, at, n);
}

/**
 * Never modified after this (and not frozen: slices of a frozen array make slow arrays).
 * It once held an object, so its slices start out able to hold anything: an array that
 * starts as small integers pays an elements-kind transition on its first object or string.
 */
const NO_ITEMS: never[] = [{} as never];
NO_ITEMS.pop();

/**
 * A new empty array made without an array literal, so that V8 does not pretenure the
 * arrays of readers' records by allocation site (see the record classes in gcno.ts).
 */
export function freshArray<T>(): T[] {
  return NO_ITEMS.slice() as T[];
}

/**
 * A new array of length 1 (its element to be replaced at once): cheaper than an empty array
 * and a push, which allocates a backing store of 17. `new Array(1)`, which V8 allocates
 * inline, not a slice of a template, which is a builtin call: parsing the kernel harvest
 * (27,661 functions, most with one counter record) took 47 M estimated cycles a pass with
 * the slice and 40 M with this (bench/icount.js). The array is holey, which costs writing
 * about 3%. Not a literal `[x]`: see freshArray.
 */
export function oneSlot<T>(): T[] {
  return new Array<T>(1);
}

/**
 * The trailer of every file that has none. Shared: it has no bytes to change, and
 * `bytes.slice(end)` costs an ArrayBuffer, about as much as reading a small notes file's
 * header (some 40,000 instructions).
 */
export const NO_BYTES = new Uint8Array(0);

/** The bytes from `end` on, as a model's trailer. */
export function trailerOf(bytes: Uint8Array, end: number): Uint8Array {
  return end >= bytes.length ? NO_BYTES : bytes.slice(end);
}
