/**
 * The table-driven crc32 against GCC's bit-at-a-time definition (libgcov-driver.c, coverage.c
 * crc32_unsigned; libgcov.c gcov_crc32 of GCC 3.4-4.6 for bytes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32Bytes, crc32Unsigned, crc32UnsignedBitwise } from '../src/algorithms/crc32.js';

/** GCC 4.6 libgcov.c gcov_crc32's loop over bytes, written out bit by bit. */
function bytesBitwise(crc: number, bytes: Uint8Array): number {
  for (const byte of bytes) {
    let value = byte << 24;
    for (let i = 0; i < 8; i++) {
      const feedback = ((value ^ crc) & 0x80000000) !== 0 ? 0x04c11db7 : 0;
      crc = (crc << 1) ^ feedback;
      value <<= 1;
    }
  }
  return crc >>> 0;
}

describe('crc32', () => {
  it('a word through the table equals 32 steps of the bit loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (crc, value) => {
        expect(crc32Unsigned(crc, value)).toBe(crc32UnsignedBitwise(crc, value));
      }),
      { numRuns: 5000 },
    );
  });

  it('a chain of words (an object checksum) equals the bit loop', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 64 }), (words) => {
        let a = 0;
        let b = 0;
        for (const w of words) {
          a = crc32Unsigned(a, w);
          b = crc32UnsignedBitwise(b, w);
        }
        expect(a).toBe(b);
      }),
    );
  });

  it('bytes through the table equal the bit loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 200 }), (crc, bytes) => {
        expect(crc32Bytes(crc, bytes)).toBe(bytesBitwise(crc, bytes));
      }),
    );
  });

  it('a known value: the lowest bit enters on the last step', () => {
    // From crc 0, value 1 reaches the top bit on step 32: the register becomes the polynomial.
    expect(crc32Unsigned(0, 1)).toBe(0x04c11db7);
    expect(crc32UnsignedBitwise(0, 1)).toBe(0x04c11db7);
  });
});
