import { counterKindOfTag, counterKinds, TAG_FUNCTION, TAG_OBJECT_SUMMARY, TAG_PROGRAM_SUMMARY } from '../format/tags.js';
import { HOST_LITTLE_ENDIAN } from '../format/bytes.js';
import { decodeVersion, generationFeatures } from '../format/version.js';

/**
 * mergeGcda on encoded files, for the common case of a harvest: two runs of the same
 * objects whose records line up one for one (same functions in the same order, same
 * counter records) and whose counters are all of the `add` and `ior` kinds, with a GCC 9+
 * run summary. The counters are combined in place in a copy of the newer file, word by word;
 * nothing is decoded into objects. Returns null when the files do not have that shape (or
 * are malformed): the caller then takes the model path (readGcda, mergeGcda, writeGcda),
 * which gives the same bytes (tested) and the proper errors.
 */
export function mergeGcdaBytes(memory: Uint8Array, file: Uint8Array, scratch?: ScratchBuffer): Uint8Array | null {
  if (memory.length < 16 || file.length < 16) return null;
  const mv = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const fv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = mv.getUint32(0, true);
  const little = magic === 0x67636461;
  if (!little && magic !== 0x61646367) return null;
  if (fv.getUint32(0, true) !== magic) return null;
  const versionWord = mv.getUint32(4, little);
  if (fv.getUint32(4, little) !== versionWord) return null;
  const version = decodeVersion(versionWord);
  if (!version || version.number < 90) return null;
  const features = generationFeatures(version.number);
  const headerSize = features.headerChecksum ? 16 : 12;
  // Stamp and checksum must agree (otherwise a policy decides: the model path).
  for (let i = 8; i < headerSize; i += 4) if (mv.getUint32(i, little) !== fv.getUint32(i, little)) return null;
  const unit = features.lengthInBytes ? 1 : 4;
  const rules = mergeRules(version.number);
  // Word views when the files' byte order is the host's and their words are aligned (the
  // usual case): word() reads through them, else through the DataViews.
  const words = little === HOST_LITTLE_ENDIAN && (memory.byteOffset & 3) === 0 && (file.byteOffset & 3) === 0;
  const m32 = words ? new Int32Array(memory.buffer, memory.byteOffset, memory.length >>> 2) : null;
  const f32 = words ? new Int32Array(file.buffer, file.byteOffset, file.length >>> 2) : null;

  // Pass 1: walk both files in lockstep, checking the framing and that the records line up;
  // size the output (a compact all-zero record on one side may need its payload).
  let mp = headerSize;
  let fp = headerSize;
  let outSize = headerSize;
  let sawSummary = false;
  for (;;) {
    // The end: a zero tag on both sides, or (kernel files) the end of both files.
    if (mp === memory.length || fp === file.length) {
      if (mp === memory.length && fp === file.length) break;
      return null;
    }
    if (mp + 4 > memory.length || fp + 4 > file.length) return null;
    const tag = word(m32, mv, mp, little) >>> 0;
    if (word(f32, fv, fp, little) >>> 0 !== tag) return null;
    if (tag === 0) break;
    if (mp + 8 > memory.length || fp + 8 > file.length) return null;
    const ml = word(m32, mv, mp + 4, little);
    const fl = word(f32, fv, fp + 4, little);
    const mSize = ml < 0 ? 0 : ml * unit;
    const fSize = fl < 0 ? 0 : fl * unit;
    if (mp + 8 + mSize > memory.length || fp + 8 + fSize > file.length) return null;
    if (tag === TAG_FUNCTION) {
      if (ml !== fl || mSize !== 12) return null;
      for (let i = 8; i < 20; i += 4) if (word(m32, mv, mp + i, little) !== word(f32, fv, fp + i, little)) return null;
      outSize += 8 + 12;
    } else if (tag === TAG_OBJECT_SUMMARY) {
      if (mSize !== 8 || fSize !== 8 || sawSummary || ml < 0 || fl < 0) return null;
      sawSummary = true;
      outSize += 16;
    } else if (tag === TAG_PROGRAM_SUMMARY) {
      return null;
    } else {
      const kind = counterKindOfTag(tag);
      if (kind < 0 || kind >= rules.length || rules[kind] === NOT_BYTEWISE) return null;
      const mCount = ml < 0 ? (-ml * unit) / 8 : mSize / 8;
      const fCount = fl < 0 ? (-fl * unit) / 8 : fSize / 8;
      if (!Number.isInteger(mCount) || mCount !== fCount) return null;
      if (ml < 0 && !features.negativeLengthZeros) return null;
      outSize += 8 + mCount * 8;
    }
    mp += 8 + mSize;
    fp += 8 + fSize;
  }
  if (!sawSummary) return null;
  const end = mp;
  const trailer = memory.subarray(mp);
  outSize += trailer.length;

  // Pass 2: write the newer file's records with the counters combined. Word views when the
  // file's byte order is the host's and the words are aligned (the usual case).
  const out = scratch ? scratch.get(outSize) : new Uint8Array(outSize);
  const ov = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const o32 = words ? new Int32Array(out.buffer, out.byteOffset, outSize >>> 2) : null;
  out.set(memory.subarray(0, headerSize), 0);
  let op = headerSize;
  mp = headerSize;
  fp = headerSize;
  while (mp < end) {
    const tag = word(m32, mv, mp, little) >>> 0;
    const ml = word(m32, mv, mp + 4, little);
    const fl = word(f32, fv, fp + 4, little);
    const mSize = ml < 0 ? 0 : ml * unit;
    const fSize = fl < 0 ? 0 : fl * unit;
    if (tag === TAG_FUNCTION) {
      for (let i = 0; i < 20; i++) out[op + i] = memory[mp + i]!; // (no subarray per function)
      op += 20;
    } else if (tag === TAG_OBJECT_SUMMARY) {
      // GCC 9+: runs and sum_max add, sum_max modulo 2^32 (libgcov-driver.c).
      ov.setUint32(op, tag, little);
      ov.setInt32(op + 4, ml, little);
      ov.setUint32(op + 8, (mv.getUint32(mp + 8, little) + fv.getUint32(fp + 8, little)) >>> 0, little);
      ov.setUint32(op + 12, (mv.getUint32(mp + 12, little) + fv.getUint32(fp + 12, little)) >>> 0, little);
      op += 16;
    } else {
      const rule = rules[counterKindOfTag(tag)];
      const count = ml < 0 ? (-ml * unit) / 8 : mSize / 8;
      const at = op + 8;
      let nonZero = 0;
      if (o32 !== null && ml >= 0 && fl >= 0) {
        // Aligned words in host order: low word at even index (little-endian host only).
        const mi = (mp + 8) >>> 2;
        const fi = (fp + 8) >>> 2;
        const oi = at >>> 2;
        if (rule === ADD) {
          for (let w = 0, n = count * 2; w < n; w += 2) {
            // In 32-bit integers only: the low words' carry is the wrap-around of their sum.
            const a = m32![mi + w]!;
            const lo = (a + f32![fi + w]!) | 0;
            const hi = (m32![mi + w + 1]! + f32![fi + w + 1]! + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
            o32[oi + w] = lo;
            o32[oi + w + 1] = hi;
            nonZero |= lo | hi;
          }
        } else {
          for (let w = 0, n = count * 2; w < n; w++) nonZero |= o32[oi + w] = m32![mi + w]! | f32![fi + w]!;
        }
      } else for (let i = 0; i < count; i++) {
        // A counter is its low word, then its high word, each in the file's byte order.
        const mo = mp + 8 + 8 * i;
        const fo = fp + 8 + 8 * i;
        const mLo = ml < 0 ? 0 : mv.getUint32(mo, little);
        const mHi = ml < 0 ? 0 : mv.getInt32(mo + 4, little);
        const fLo = fl < 0 ? 0 : fv.getUint32(fo, little);
        const fHi = fl < 0 ? 0 : fv.getInt32(fo + 4, little);
        let lo: number;
        let hi: number;
        if (rule === ADD) {
          const sum = mLo + fLo;
          lo = sum >>> 0;
          hi = (mHi + fHi + (sum > 0xffffffff ? 1 : 0)) | 0;
        } else {
          lo = (mLo | fLo) >>> 0;
          hi = mHi | fHi;
        }
        nonZero |= lo | hi;
        const oo = at + 8 * i;
        ov.setUint32(oo, lo, little);
        ov.setInt32(oo + 4, hi, little);
      }
      ov.setUint32(op, tag, little);
      if (nonZero === 0 && count > 0 && features.negativeLengthZeros) {
        // libgcov 11+ writes an all-zero record as a negative length without payload.
        ov.setInt32(op + 4, -((count * 8) / unit), little);
        op += 8;
      } else {
        ov.setInt32(op + 4, (count * 8) / unit, little);
        op += 8 + count * 8;
      }
    }
    mp += 8 + mSize;
    fp += 8 + fSize;
  }
  out.set(trailer, op);
  op += trailer.length;
  return op === out.length ? out : scratch ? out.subarray(0, op) : out.slice(0, op);
}

/** A word of an encoded file, through its aligned host-order view when it has one. */
function word(words: Int32Array | null, view: DataView, at: number, little: boolean): number {
  return words !== null ? words[at >>> 2]! : view.getInt32(at, little);
}

const NOT_BYTEWISE = 0;
const ADD = 1;
const IOR = 2;
const rulesByVersion = new Map<number, Uint8Array>();

/** Per counter kind of a generation: ADD, IOR, or NOT_BYTEWISE (merged through the model). */
function mergeRules(versionNumber: number): Uint8Array {
  let rules = rulesByVersion.get(versionNumber);
  if (rules === undefined) {
    rules = Uint8Array.from(counterKinds(versionNumber), (k) => (k.merge === 'add' ? ADD : k.merge === 'ior' ? IOR : NOT_BYTEWISE));
    rulesByVersion.set(versionNumber, rules);
  }
  return rules;
}

/**
 * A buffer reused from call to call (grown when too small), for results that the caller
 * copies out at once: folding many inputs then allocates nothing per file.
 */
export class ScratchBuffer {
  private bytes = new Uint8Array(0);

  /** A view of `size` bytes, valid until the next call; not cleared (the merge writes every byte it returns). */
  get(size: number): Uint8Array {
    if (this.bytes.length < size) this.bytes = new Uint8Array(Math.max(size, this.bytes.length * 2, 4096));
    return this.bytes.subarray(0, size);
  }
}
