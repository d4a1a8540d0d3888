/**
 * GCC's crc32_unsigned (libgcov-driver.c, coverage.c): an MSB-first CRC-32 with polynomial
 * 0x04C11DB7, no reflection and no final XOR, fed one 32-bit word at a time. libgcov uses it
 * for the program checksum (GCC 3.4-8), the compiler for the object checksum (GCC 12+).
 */
export function crc32Unsigned(crc: number, value: number): number {
  // A byte at a time through the table: the same register as GCC's bit loop, most
  // significant byte first (the kernel's 27,000 functions took 30 ms bit by bit).
  const t = CRC_TABLE;
  crc = (crc << 8) ^ t[((crc >>> 24) ^ (value >>> 24)) & 0xff]!;
  crc = (crc << 8) ^ t[((crc >>> 24) ^ (value >>> 16)) & 0xff]!;
  crc = (crc << 8) ^ t[((crc >>> 24) ^ (value >>> 8)) & 0xff]!;
  crc = (crc << 8) ^ t[((crc >>> 24) ^ value) & 0xff]!;
  return crc >>> 0;
}

/** crc32Unsigned's register after shifting in byte i (top bits) from 0: 8 steps of the bit loop. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = (c & 0x80000000) !== 0 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c;
  }
  return t;
})();

/** GCC's bit-at-a-time loop, kept as the reference the table is tested against. */
export function crc32UnsignedBitwise(crc: number, value: number): number {
  for (let i = 0; i < 32; i++) {
    const feedback = ((value ^ crc) & 0x80000000) !== 0 ? 0x04c11db7 : 0;
    crc = (crc << 1) ^ feedback;
    value <<= 1;
  }
  return crc >>> 0;
}

/**
 * The same shift register fed bytes (8 rounds each, byte in the top bits): GCC 3.4-4.6's
 * __gcov_init folds every object's .gcda file name, with its terminating NUL, into the
 * program checksum (libgcov.c gcov_crc32).
 */
export function crc32Bytes(crc: number, bytes: Uint8Array): number {
  const t = CRC_TABLE;
  for (let i = 0; i < bytes.length; i++) crc = (crc << 8) ^ t[((crc >>> 24) ^ bytes[i]!) & 0xff]!;
  return crc >>> 0;
}
