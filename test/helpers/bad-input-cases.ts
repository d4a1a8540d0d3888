/**
 * Shared by test/bad-input.test.ts and test/fuzz.test.ts: the real files to damage, an
 * independent walker over the layout of a gcov file (it does not use the library, so the
 * tests can tell which cut points are legitimately readable), builders of bad inputs, and
 * the contract every input must satisfy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { GcovFormatError, readGcovFile, writeGcovFile, type GcovFile } from '../../src/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES_DIR = join(REPO_ROOT, 'fixtures');
/** The shared third-party corpus, a sibling of the repository. */
export const CORPUS_DIR = join(REPO_ROOT, '..', 'shared', 'corpus');

export interface Sample {
  /** Path relative to the repository root, e.g. `fixtures/gcc-12/...` or `../shared/corpus/...`. */
  label: string;
  path: string;
  bytes: Uint8Array;
}

/** Loads a file given relative to the repository root. */
export function loadSample(rel: string): Sample {
  const path = join(REPO_ROOT, rel);
  return { label: rel, path, bytes: new Uint8Array(readFileSync(path)) };
}

/** Every .gcda/.gcno below `dir` (sorted), as samples labelled relative to the repository root. */
export function loadTree(dir: string): Sample[] {
  const out: Sample[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.gcda') || name.endsWith('.gcno')) {
        out.push({ label: relative(REPO_ROOT, p), path: p, bytes: new Uint8Array(readFileSync(p)) });
      }
    }
  };
  walk(dir);
  return out;
}

export const GCDA_MAGIC = 0x67636461;
export const GCNO_MAGIC = 0x67636e6f;
export const TAG_FUNCTION = 0x01000000;
export const TAG_COUNTER_BASE = 0x01a10000;
export const TAG_BLOCKS = 0x01410000;
export const TAG_ARCS = 0x01430000;
export const TAG_LINES = 0x01450000;
export const TAG_CONDS = 0x01470000;
export const TAG_PATHS = 0x01490000;
export const TAG_OBJECT_SUMMARY = 0xa1000000;
export const TAG_PROGRAM_SUMMARY = 0xa3000000;

export function isCounterTag(tag: number): boolean {
  return (tag & 0xffff) === 0 && tag >= TAG_COUNTER_BASE && tag <= 0x01ff0000 && (tag - TAG_COUNTER_BASE) % 0x20000 === 0;
}

/**
 * 10*major + minor of a version word (4.8 -> 48, 12.2 -> 122), from gcc/gcov-iov.c: digits
 * before GCC 7 ("408*"), a letter for the tens of the major from GCC 7 on ("B22*").
 */
export function versionNumber(word: number): number | undefined {
  const c0 = (word >>> 24) & 0xff;
  const c1 = (word >>> 16) & 0xff;
  const c2 = (word >>> 8) & 0xff;
  const digit = (c: number) => c >= 0x30 && c <= 0x39;
  if (!digit(c1) || !digit(c2)) return undefined;
  if (c0 >= 0x41 && c0 <= 0x5a) return ((c0 - 0x41) * 10 + (c1 - 0x30)) * 10 + (c2 - 0x30);
  if (c0 >= 0x31 && c0 <= 0x39) return (c0 - 0x30) * 10 + (c1 - 0x30) * 10 + (c2 - 0x30);
  return undefined;
}

export interface RecordInfo {
  offset: number;
  tag: number;
  /** LEN as a signed 32-bit value. */
  length: number;
  lengthOffset: number;
  /** Offset just past the record. */
  end: number;
}

export interface Layout {
  kind: 'gcda' | 'gcno';
  little: boolean;
  versionWord: number;
  version: number;
  /** 1: lengths count bytes (GCC 12+); 4: they count words. */
  unit: 1 | 4;
  /** Offset of the first record. */
  headerEnd: number;
  /** GCC 8+ notes: a file that ends right after stamp (and checksum) is a valid header-only file. */
  headerOnlyEnd: number | null;
  records: RecordInfo[];
  /** Offset of the zero end tag, or null when the records run to the end of the file. */
  endTag: number | null;
  /** True when the walk got through the whole file; false when it stopped at something malformed. */
  complete: boolean;
}

/**
 * Walks the header and the record framing of a gcov file without the library. Returns
 * undefined when even the magic, version or header cannot be read; otherwise the records up
 * to the first malformed one (complete=false then).
 */
export function walkLayout(bytes: Uint8Array): Layout | undefined {
  if (bytes.length < 8) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let kind: 'gcda' | 'gcno';
  let little: boolean;
  const le = dv.getUint32(0, true);
  const be = dv.getUint32(0, false);
  if (le === GCDA_MAGIC || be === GCDA_MAGIC) [kind, little] = ['gcda', le === GCDA_MAGIC];
  else if (le === GCNO_MAGIC || be === GCNO_MAGIC) [kind, little] = ['gcno', le === GCNO_MAGIC];
  else return undefined;
  const versionWord = dv.getUint32(4, little);
  const version = versionNumber(versionWord);
  if (version === undefined) return undefined;
  const unit: 1 | 4 = version >= 120 ? 1 : 4;
  let pos = version >= 120 ? 16 : 12;
  if (bytes.length < pos) return undefined;
  let headerOnlyEnd: number | null = null;
  if (kind === 'gcno' && version >= 80) {
    headerOnlyEnd = pos;
    if (bytes.length > pos) {
      if (version >= 90) {
        if (bytes.length < pos + 4) return undefined;
        const n = dv.getUint32(pos, little);
        pos += 4 + (version >= 120 ? n : n * 4);
      }
      pos += 4;
      if (pos > bytes.length) return undefined;
    }
  }
  const headerEnd = pos;
  const records: RecordInfo[] = [];
  let endTag: number | null = null;
  let complete = true;
  while (pos < bytes.length) {
    if (bytes.length - pos < 4) {
      complete = false;
      break;
    }
    const tag = dv.getUint32(pos, little);
    if (tag === 0) {
      endTag = pos;
      break;
    }
    if (bytes.length - pos < 8) {
      complete = false;
      break;
    }
    const length = dv.getInt32(pos + 4, little);
    const payload = length < 0 ? 0 : length * unit;
    if (payload > bytes.length - pos - 8 || (length < 0 && !isCounterTag(tag))) {
      complete = false;
      break;
    }
    records.push({ offset: pos, tag, length, lengthOffset: pos + 4, end: pos + 8 + payload });
    pos += 8 + payload;
  }
  return { kind, little, versionWord, version, unit, headerEnd, headerOnlyEnd, records, endTag, complete };
}

/** The layout of a well-formed real file (throws if the walk does not get through it). */
export function layoutOf(bytes: Uint8Array): Layout {
  const l = walkLayout(bytes);
  if (!l || !l.complete) throw new Error('test input is not a well-formed gcov file');
  return l;
}

/**
 * For a cut of a well-formed file at `cut` bytes: whether the truncated file is still a
 * valid gcov file (the cut lands on a record boundary, right after the header, or inside
 * the trailer after the zero end tag), and otherwise the offset where the damaged part
 * starts (the start of the record, header or end tag the cut went through).
 */
export function cutInfo(layout: Layout, cut: number): { valid: boolean; damagedFrom: number } {
  const bounds = [layout.headerEnd, ...layout.records.map((r) => r.end)];
  if (layout.headerOnlyEnd !== null) bounds.push(layout.headerOnlyEnd);
  if (bounds.includes(cut)) return { valid: true, damagedFrom: cut };
  if (layout.endTag !== null && cut >= layout.endTag + 4) return { valid: true, damagedFrom: cut };
  let from = 0;
  for (const b of bounds) if (b <= cut && b > from) from = b;
  if (layout.endTag !== null && cut > layout.endTag) from = layout.endTag;
  return { valid: false, damagedFrom: from };
}

export function setWord(bytes: Uint8Array, at: number, value: number, little: boolean): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, value >>> 0, little);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** First index where two byte arrays differ (or the shorter length), for messages. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

export function hexDump(b: Uint8Array, from = 0, to = b.length): string {
  return Array.from(b.subarray(from, to), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

// ---------------------------------------------------------------------------------------
// Bad inputs, one builder per category.

export interface BadCase {
  category: string;
  bytes: Uint8Array;
  /** Expected GcovFormatError offset, when the category pins it down. */
  offset?: number;
  /** What the reason (or message) must contain. */
  reason?: RegExp;
}

/** The file cut in the middle of its largest record's payload. */
export function truncatedCase(s: Sample): BadCase {
  const l = layoutOf(s.bytes);
  const big = [...l.records].sort((a, b) => b.end - b.offset - (a.end - a.offset))[0]!;
  const cut = big.offset + 8 + Math.max(1, Math.floor((big.end - big.offset - 8) / 2));
  return { category: 'truncated', bytes: s.bytes.slice(0, cut), offset: big.lengthOffset, reason: /claims|remain|truncated/ };
}

export function wrongMagicCase(s: Sample): BadCase {
  const b = s.bytes.slice();
  b.set([0x61, 0x62, 0x63, 0x64], 0); // "abcd"
  return { category: 'wrong magic', bytes: b, offset: 0, reason: /magic/ };
}

export function unknownVersionCase(s: Sample): BadCase {
  const b = s.bytes.slice();
  b.set([0x7a, 0x7a, 0x7a, 0x7a], 4); // "zzzz"
  return { category: 'unknown version', bytes: b, offset: 4, reason: /version/ };
}

/** LEN of the first record patched to a length far past the end of the file. */
export function lengthPastEndCase(s: Sample): BadCase {
  const l = layoutOf(s.bytes);
  const first = l.records[0]!;
  const b = s.bytes.slice();
  setWord(b, first.lengthOffset, 0x3fffffff, l.little);
  return { category: 'length past end', bytes: b, offset: first.lengthOffset, reason: /claims|remain/ };
}

/** LEN of the first counter record (or, in a notes file, the first record) set to 0x7ffffff0. */
export function hugeCountCase(s: Sample): BadCase {
  const l = layoutOf(s.bytes);
  const rec = l.records.find((r) => isCounterTag(r.tag)) ?? l.records[0]!;
  const b = s.bytes.slice();
  setWord(b, rec.lengthOffset, 0x7ffffff0, l.little);
  return { category: 'huge counter count', bytes: b, offset: rec.lengthOffset, reason: /claims|remain/ };
}

/**
 * LEN of the first counter record set to 0x80000000: GCC 11+'s all-zero form with the most
 * negative length, i.e. 2^30 (word lengths) or 2^28 (byte lengths) zero counters claimed by
 * an 8-byte record header. Returns undefined for a file without counter records.
 */
export function hugeCompactZeroCase(s: Sample): BadCase | undefined {
  const l = layoutOf(s.bytes);
  const rec = l.records.find((r) => isCounterTag(r.tag));
  if (!rec) return undefined;
  const b = s.bytes.slice();
  setWord(b, rec.lengthOffset, 0x80000000, l.little);
  return { category: 'huge all-zero counter count', bytes: b, offset: rec.lengthOffset };
}

export function zerosCase(): BadCase {
  return { category: 'zeros', bytes: new Uint8Array(4096), offset: 0, reason: /zero bytes/ };
}

export function emptyCase(): BadCase {
  return { category: 'empty', bytes: new Uint8Array(0), offset: 0, reason: /empty/ };
}

export function threeBytesCase(s: Sample): BadCase {
  return { category: '3 bytes', bytes: s.bytes.slice(0, 3), offset: 0 };
}

// ---------------------------------------------------------------------------------------
// The contract.

/** Bytes of typed arrays a model holds (counter values, arc words, raw payloads, trailer). */
export function modelArrayBytes(model: GcovFile): number {
  let n = model.trailer.byteLength;
  const visit = (rec: object) => {
    for (const v of Object.values(rec)) {
      if (ArrayBuffer.isView(v)) n += v.byteLength;
      else if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object') visit(x);
    }
  };
  for (const r of model.records) visit(r);
  return n;
}

export type Outcome = { kind: 'error'; error: GcovFormatError } | { kind: 'model'; model: GcovFile; output: Uint8Array };

/**
 * Reads `bytes`: the only acceptable failure is a GcovFormatError naming `label` at an
 * offset inside the input. When it reads, writing the model must work, the output must read
 * back to a model that writes the same bytes (idempotence), and, since the reader is meant
 * to be lossless, the output must equal the input. Failures carry the input in hex.
 */
export function checkContract(bytes: Uint8Array, label: string, opts: { lossless?: boolean } = {}): Outcome {
  const lossless = opts.lossless ?? true;
  let model: GcovFile;
  try {
    model = readGcovFile(bytes, label);
  } catch (e) {
    if (!(e instanceof GcovFormatError)) {
      throw new Error(`readGcovFile threw ${(e as Error)?.constructor?.name} instead of GcovFormatError: ${(e as Error)?.message}\ninput (${bytes.length} bytes): ${hexDump(bytes)}`, { cause: e });
    }
    expect(e.file, 'GcovFormatError.file').toBe(label);
    expect(e.offset, `error offset of "${e.message}"`).toBeGreaterThanOrEqual(0);
    expect(e.offset, `error offset of "${e.message}"`).toBeLessThanOrEqual(bytes.length);
    expect(e.message).toBe(`${label}: at byte ${e.offset}: ${e.reason}`);
    return { kind: 'error', error: e };
  }
  let output: Uint8Array;
  try {
    output = writeGcovFile(model);
  } catch (e) {
    throw new Error(`writeGcovFile threw on a model that readGcovFile returned: ${(e as Error).message}\ninput (${bytes.length} bytes): ${hexDump(bytes)}`, { cause: e });
  }
  let again: GcovFile;
  try {
    again = readGcovFile(output, label);
  } catch (e) {
    throw new Error(`the writer's output does not read back: ${(e as Error).message}\ninput: ${hexDump(bytes)}\noutput: ${hexDump(output)}`, { cause: e });
  }
  const output2 = writeGcovFile(again);
  if (!equalBytes(output2, output)) {
    throw new Error(`write(read(write(read(x)))) != write(read(x)) (first difference at byte ${firstDifference(output, output2)})\ninput: ${hexDump(bytes)}\noutput: ${hexDump(output)}\noutput2: ${hexDump(output2)}`);
  }
  if (lossless && !equalBytes(output, bytes)) {
    const at = firstDifference(bytes, output);
    throw new Error(
      `not lossless: ${bytes.length} bytes in, ${output.length} out, first difference at byte ${at}\n` +
        `input:  ${hexDump(bytes)}\noutput: ${hexDump(output)}`,
    );
  }
  return { kind: 'model', model, output };
}
