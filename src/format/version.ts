/**
 * The version word of a gcov file and what each generation's layout depends on.
 *
 * The word holds four ASCII characters, most significant first. GCC <= 6 used
 * `'0'+major, minor as two digits, status` (4.8 -> "408*"); GCC 7 onward uses
 * `'A'+major/10, '0'+major%10, '0'+minor, status` (12.2 -> "B22*") (gcc/gcov-iov.c
 * of 6.3 vs 7.5). Both decode to one monotonic number: 48, 54, 93, 122, ...
 */
export interface GcovVersion {
  /** The raw 32-bit word. */
  readonly word: number;
  /** The four characters, e.g. "B22*". */
  readonly text: string;
  /** Monotonic generation number: 10*major + minor (42, 48, 93, 122, 151 ...). */
  readonly number: number;
  readonly major: number;
  readonly minor: number;
  /** Release status character ('*' release; 'R', 'e', 'f', ' ' seen in the wild). */
  readonly status: string;
}

export function versionText(word: number): string {
  return String.fromCharCode((word >>> 24) & 0xff, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
}

export function versionWord(text: string): number {
  if (text.length !== 4) throw new RangeError(`a gcov version has 4 characters, got "${text}"`);
  return ((text.charCodeAt(0) << 24) | (text.charCodeAt(1) << 16) | (text.charCodeAt(2) << 8) | text.charCodeAt(3)) >>> 0;
}

/** Decodes a version word; returns undefined when the characters are not a gcov version. */
export function decodeVersion(word: number): GcovVersion | undefined {
  const c0 = (word >>> 24) & 0xff;
  const c1 = (word >>> 16) & 0xff;
  const c2 = (word >>> 8) & 0xff;
  const c3 = word & 0xff;
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
  if (!isDigit(c1) || !isDigit(c2) || c3 < 0x20 || c3 > 0x7e) return undefined;
  let major: number;
  let minor: number;
  if (c0 >= 0x41 && c0 <= 0x5a) {
    // Letter scheme (GCC 7+).
    major = (c0 - 0x41) * 10 + (c1 - 0x30);
    minor = c2 - 0x30;
  } else if (c0 >= 0x31 && c0 <= 0x39) {
    // Old digit scheme (GCC 3.x - 6.x): minor is two digits.
    major = c0 - 0x30;
    minor = (c1 - 0x30) * 10 + (c2 - 0x30);
    if (minor > 9) return undefined;
  } else {
    return undefined;
  }
  return { word: word >>> 0, text: versionText(word), number: major * 10 + minor, major, minor, status: String.fromCharCode(c3) };
}

/** Layout switches derived from the version number (see docs/format.md). */
export interface GenerationFeatures {
  /** Record lengths count bytes (GCC 12+) rather than 32-bit words. */
  readonly lengthInBytes: boolean;
  /** A fourth header word (object checksum) follows the stamp (GCC 12+). */
  readonly headerChecksum: boolean;
  /** .gcno header carries the compiler's working directory (GCC 9+). */
  readonly gcnoCwd: boolean;
  /** .gcno header carries the support_unexecuted_blocks word (GCC 8+). */
  readonly gcnoUnexecutedBlocks: boolean;
  /** gcno FUNCTION: artificial flag, start column and end line (GCC 8+). */
  readonly gcnoFunctionV8: boolean;
  /** gcno FUNCTION: end column (GCC 9+). */
  readonly gcnoFunctionV9: boolean;
  /** FUNCTION carries a cfg checksum (GCC 4.7+). */
  readonly cfgChecksum: boolean;
  /** BLOCKS holds one word, the number of blocks, instead of a flag word per block (GCC 8+). */
  readonly blocksAsCount: boolean;
  /** Strings are byte-counted and unpadded (GCC 12+) instead of word-counted and padded. */
  readonly byteStrings: boolean;
  /** Program summary carries the 252-bucket histogram (GCC 4.8 - 8). */
  readonly histogram: boolean;
  /** One 2-word object summary (runs, sum_max) (GCC 9+). */
  readonly objectSummaryV9: boolean;
  /** GCC 11+ writes all-zero counter arrays with a negative length. */
  readonly negativeLengthZeros: boolean;
}

export function generationFeatures(versionNumber: number): GenerationFeatures {
  const v = versionNumber;
  return {
    lengthInBytes: v >= 120,
    headerChecksum: v >= 120,
    gcnoCwd: v >= 90,
    gcnoUnexecutedBlocks: v >= 80,
    gcnoFunctionV8: v >= 80,
    gcnoFunctionV9: v >= 90,
    cfgChecksum: v >= 47,
    blocksAsCount: v >= 80,
    byteStrings: v >= 120,
    histogram: v >= 48 && v < 90,
    objectSummaryV9: v >= 90,
    negativeLengthZeros: v >= 110,
  };
}
