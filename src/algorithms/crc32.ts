/**
 * GCC's crc32_unsigned (libgcov-driver.c, coverage.c): an MSB-first CRC-32 with polynomial
 * 0x04C11DB7, no reflection and no final XOR, fed one 32-bit word at a time. libgcov uses it
 * for the program checksum (GCC 3.4-8), the compiler for the object checksum (GCC 12+).
 */
export function crc32Unsigned(crc: number, value: number): number {
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
