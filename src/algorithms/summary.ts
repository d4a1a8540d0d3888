import { concatBytes, HOST_LITTLE_ENDIAN } from '../format/bytes.js';
import type { HistogramBucket } from '../format/summary-codec.js';
import { TAG_FUNCTION, TAG_OBJECT_SUMMARY, TAG_PROGRAM_SUMMARY, counterKindOfTag, tagDepth } from '../format/tags.js';
import { decodeVersion, generationFeatures, versionText } from '../format/version.js';
import { frameGcda, readGcda, writeGcda, type CountersRecord, type GcdaFile, type GcdaFunction, type GcdaRecord, type SummaryRecord } from '../model/gcda.js';
import { crc32Bytes, crc32Unsigned } from './crc32.js';
import { HistogramBuilder } from './histogram.js';
import { HI, LO, Sum64, compare64, join64, wordView } from './int64.js';

/** One object file of the program: a name for messages and its parsed .gcda. */
export interface ProfileObject {
  name: string;
  file: GcdaFile;
  /**
   * The absolute path the program wrote this .gcda to. Only GCC 3.4-4.6 need it: their
   * program checksum is a crc32 of these paths (a kernel harvest's tree holds them).
   * Defaults to name.
   */
  gcdaPath?: string;
}

/**
 * Which runtime's exit-time summary to reproduce:
 * - `gcc-9`: GCC 9+ OBJECT_SUMMARY {runs, sum_max} (libgcov-driver.c, GCC 9-15);
 * - `gcc-4.8`: GCC 4.8-8 PROGRAM_SUMMARY with the arcs histogram;
 * - `gcc-4.7`: GCC 4.7 PROGRAM_SUMMARY without histogram, before the functions;
 * - `gcc-3.4`: GCC 3.4-4.6 OBJECT_SUMMARY and PROGRAM_SUMMARY after the functions;
 * - `llvm`: LLVM's GCDAProfiling.c (clang 11+), which writes no real summary, only the run count.
 */
export type SummaryGeneration = 'gcc-9' | 'gcc-4.8' | 'gcc-4.7' | 'gcc-3.4' | 'llvm';

export interface SummarizeOptions {
  /** Whose runtime wrote (or would write) these files. 'auto' (default) recognises LLVM-written files by their layout. */
  producer?: 'auto' | 'gcc' | 'llvm';
  /** Files that already carry summary records: 'refuse' (default) throws, 'replace' recomputes and reports the differences. */
  existing?: 'refuse' | 'replace';
  /**
   * GCC 12+: fill in the object checksum header word when it is 0 (the kernel writes 0) and
   * every function record is present, as the compiler computes it (coverage.c
   * coverage_finish): crc32 over ident, lineno_checksum, cfg_checksum. Default true.
   */
  fillObjectChecksum?: boolean;
  /** Add the end marker libgcov (one zero word) or LLVM (two) writes when the file has none (the kernel writes none). Default true. */
  endMarker?: boolean;
}

/** What was computed: the program's summary for one run, and what it was computed over. */
export interface ProgramSummary {
  generation: SummaryGeneration;
  /** The files' version word and its text ("B22*"). */
  version: number;
  versionText: string;
  runs: number;
  /** Number of arc counters of the program (the functions each object provides). */
  num: number;
  sumAll: bigint;
  /** Largest arc counter of the run (signed comparison starting at 0, as libgcov). */
  runMax: bigint;
  /** sum_max for one run: run_max. GCC 9+ writes it modulo 2^32 (sumMaxWritten). */
  sumMax: bigint;
  sumMaxWritten: bigint;
  /** GCC 3.4-8 program checksum (crc32 over the objects in the given order), else null. */
  checksum: number | null;
  /** GCC 4.8-8 arcs histogram (non-empty buckets), else null. */
  histogram: HistogramBucket[] | null;
}

export interface SummarizeStats {
  objects: number;
  /** Function records with counters (placeholders excluded). */
  functions: number;
  /** Counter values of every kind. */
  counters: number;
  /** Arc counters (the program's num). */
  arcs: number;
}

/** A file whose existing summary records were replaced (existing: 'replace'). */
export interface ReplacedSummary {
  name: string;
  before: SummaryRecord[];
  after: SummaryRecord[];
  /** True when the records written equal the ones replaced. */
  same: boolean;
}

export interface SummarizeResult {
  summary: ProgramSummary;
  stats: SummarizeStats;
  /** The summarized files, in input order (counter arrays are shared with the input). */
  files: GcdaFile[];
  replaced: ReplacedSummary[];
  /** Objects whose zero GCC 12+ object checksum was filled in. */
  objectChecksumsFilled: number;
  /** Information lost or worth the user's attention (e.g. sum_max wrapped to 32 bits). */
  warnings: string[];
}

/** A set of profiles that cannot be summarized together; the message names the files. */
export class SummarizeError extends Error {
  override readonly name = 'SummarizeError';
}

const TWO32 = 1n << 32n;
const utf8Encoder = new TextEncoder();

/**
 * Computes the program summary one object at a time, so a caller can stream a harvest of
 * tens of thousands of files without keeping their models: add() every object in program
 * order, then finish(). Checks that all objects share one version and (unless allowed)
 * carry no summary yet.
 */
export class ProgramSummaryBuilder {
  readonly stats: SummarizeStats = { objects: 0, functions: 0, counters: 0, arcs: 0 };
  private readonly sum = new Sum64();
  private maxHi = 0;
  private maxLo = 0;
  private crc = 0;
  private pathCrc = 0;
  private histogram: HistogramBuilder | null = null;
  private version: { word: number; name: string } | null = null;
  private llvm = false;
  /** Objects that already carry summary records. */
  readonly withSummary: string[] = [];

  constructor(private readonly options: SummarizeOptions = {}) {}

  private checkVersion(name: string, word: number): void {
    if (!this.version) {
      this.version = { word, name };
      if (!decodeVersion(word)) throw new SummarizeError(`${name}: unknown version word 0x${word.toString(16)}`);
    } else if (word !== this.version.word) {
      throw new SummarizeError(
        `files of two gcov versions in one program: ${this.version.name} is version '${versionText(this.version.word)}' and ` +
          `${name} is '${versionText(word)}'; a harvest comes from one compiler: refused`,
      );
    }
  }

  /**
   * add(name, readGcda(bytes)), returning summaryTarget(readGcda(bytes)), without making the
   * model: for the files of a kernel harvest (GCC 9+, no summary record, not written by
   * LLVM), the counters are scanned where they are. Returns null, having added nothing, for
   * a file of another shape: the caller then reads the model and calls add(). Bad input
   * throws readGcda's GcovFormatError.
   */
  addBytes(name: string, bytes: Uint8Array): SummaryTarget | null {
    const framing = frameGcda(bytes, { file: name });
    const { little, version, first, end } = framing;
    if (version.number < 90 || framing.hasSummary) return null;
    const size = bytes.length;
    if (size - end === 8 && bytes[end + 4] === 0 && bytes[end + 5] === 0 && bytes[end + 6] === 0 && bytes[end + 7] === 0) return null; // LLVM's end
    const unit = generationFeatures(version.number).lengthInBytes ? 1 : 4;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Word view when the file's byte order is the host's (every record is word-aligned).
    const words = little === HOST_LITTLE_ENDIAN && (bytes.byteOffset & 3) === 0 ? new Int32Array(bytes.buffer, bytes.byteOffset, size >>> 2) : null;
    // Everything is counted in locals first: nothing is added to the builder unless the
    // whole file has the shape this path handles.
    let functions = 0;
    let counters = 0;
    let arcs = 0;
    let maxHi = this.maxHi;
    let maxLo = this.maxLo;
    let crc: number | null = 0; // the object checksum (GCC 12+), null once a function lacks its checksums
    let open = false; // a FUNCTION record with checksums is open (a placeholder is not counted)
    let arcsSeen = false;
    const sum = new Sum64();
    for (let pos = first; pos < end; ) {
      const tag = view.getUint32(pos, little);
      const length = view.getInt32(pos + 4, little);
      const at = pos + 8;
      const psize = length < 0 ? 0 : length * unit;
      pos = at + psize;
      if (tag === TAG_FUNCTION) {
        if (psize !== 12 && psize !== 8 && psize !== 0) return null; // LLVM's named functions
        open = psize !== 0;
        arcsSeen = false;
        if (!open || psize === 8) crc = null;
        else if (crc !== null) {
          crc = crc32Unsigned(crc, view.getUint32(at, little));
          crc = crc32Unsigned(crc, view.getUint32(at + 4, little));
          crc = crc32Unsigned(crc, view.getUint32(at + 8, little));
        }
        if (open) functions++;
        continue;
      }
      if (tagDepth(tag) <= 1) {
        open = false; // another top-level record closes the function (readGcda's record tree)
        continue;
      }
      const kind = counterKindOfTag(tag);
      if (!open || kind < 0 || (length >= 0 && psize % 8 !== 0)) continue; // not counted by add()
      const n = length < 0 ? (-length * unit) / 8 : psize / 8;
      counters += n;
      if (kind !== 0 || arcsSeen) continue;
      arcsSeen = true; // add() takes the first arcs record of a function
      arcs += n;
      if (length < 0) continue; // all zero
      if (words !== null) {
        // gcov order: the low word first, whatever the byte order.
        // The halves are summed in doubles over the record, exact up to 2^21 counters
        // (2^21 x (2^32 - 1) < 2^53), and added to the 64-bit sum once; longer records in
        // slices of that size.
        for (let w = at >>> 2, e = w + psize / 4; w < e; ) {
          const sliceEnd = Math.min(e, w + (1 << 22));
          let loSum = 0;
          let hiSum = 0;
          for (; w < sliceEnd; w += 2) {
            const lo = words[w]! >>> 0;
            const hi = words[w + 1]!;
            loSum += lo;
            hiSum += hi;
            if (hi > maxHi || (hi === maxHi && lo > maxLo >>> 0)) {
              maxHi = hi;
              maxLo = lo;
            }
          }
          sum.addHalves(hiSum, loSum);
        }
      } else {
        for (let p = at, e = at + psize; p < e; p += 8) {
          const lo = view.getUint32(p, little);
          const hi = view.getInt32(p + 4, little);
          sum.add(hi, lo);
          if (compare64(maxHi, maxLo, hi, lo) < 0) {
            maxHi = hi;
            maxLo = lo;
          }
        }
      }
    }
    this.checkVersion(name, version.word);
    this.stats.objects++;
    this.stats.functions += functions;
    this.stats.counters += counters;
    this.stats.arcs += arcs;
    this.maxHi = maxHi;
    this.maxLo = maxLo;
    this.sum.addSum(sum);
    return {
      version: version.word,
      byteOrder: little ? 'little' : 'big',
      stamp: framing.stamp,
      checksum: framing.checksum,
      objectChecksum: framing.checksum === 0 ? crc : null,
      hasSummary: false,
      trailerLength: size - end,
    };
  }

  /** Adds one object, in program order; gcdaPath as in ProfileObject. */
  add(name: string, file: GcdaFile, gcdaPath: string = name): void {
    this.checkVersion(name, file.version);
    if (file.records.some(isSummary)) {
      this.withSummary.push(name);
      if ((this.options.existing ?? 'refuse') === 'refuse') {
        throw new SummarizeError(
          `${name} already carries a summary record (not a kernel harvest, or summarized before); use --force to recompute and replace it`,
        );
      }
    }
    if (looksLlvmWritten(file)) this.llvm = true;
    const number = decodeVersion(file.version)!.number;
    if (number >= 48 && number < 90 && !this.histogram) this.histogram = new HistogramBuilder();
    this.stats.objects++;
    // Only GCC 3.4-8 summaries carry a program checksum (4.7-8 over the function records,
    // 3.4-4.6 over the paths): not computed for GCC 9+ files, the kernel's.
    if (number < 90) {
      this.crc = programChecksumStep(this.crc, file);
      if (number < 47) this.pathCrc = crc32Bytes(this.pathCrc, utf8Encoder.encode(gcdaPath + '\0'));
    }
    for (const r of file.records) {
      if (r.type !== 'function' || r.placeholder) continue;
      this.stats.functions++;
      for (const c of r.records) if (c.type === 'counters') this.stats.counters += c.values.length;
      const arcs = arcsOf(r);
      if (!arcs || arcs.values.length === 0) continue;
      this.stats.arcs += arcs.values.length;
      this.histogram?.insert(arcs.values);
      if (arcs.compactZero) continue;
      // run_max: libgcov's `if (run_max < value) run_max = value` from 0, signed.
      const w = wordView(arcs.values);
      for (let i = 0, n = arcs.values.length; i < n; i++) {
        const hi = w[2 * i + HI]!;
        const lo = w[2 * i + LO]!;
        this.sum.add(hi, lo);
        if (compare64(this.maxHi, this.maxLo, hi, lo) < 0) {
          this.maxHi = hi;
          this.maxLo = lo;
        }
      }
    }
  }

  /** The summary of one run of the program made of the objects added, and warnings. */
  finish(): { summary: ProgramSummary; warnings: string[] } {
    if (!this.version) throw new SummarizeError('no .gcda files to summarize');
    const producer = this.options.producer ?? 'auto';
    const v = decodeVersion(this.version.word)!;
    const generation: SummaryGeneration =
      producer === 'llvm' || (producer === 'auto' && this.llvm) ? 'llvm' : v.number >= 90 ? 'gcc-9' : v.number >= 48 ? 'gcc-4.8' : v.number === 47 ? 'gcc-4.7' : 'gcc-3.4';
    const runMax = join64(this.maxHi, this.maxLo);
    const warnings: string[] = [];
    const summary: ProgramSummary = {
      generation,
      version: this.version.word,
      versionText: v.text,
      runs: 1,
      num: this.stats.arcs,
      sumAll: this.sum.value(),
      runMax,
      sumMax: runMax,
      sumMaxWritten: runMax,
      checksum: null,
      histogram: null,
    };
    if (generation === 'gcc-9') {
      // libgcov-driver.c (GCC 9-15) keeps sum_max as gcov_type but writes it with
      // gcov_write_unsigned: only the low 32 bits reach the file.
      summary.sumMaxWritten = BigInt.asUintN(32, runMax);
      if (runMax >= TWO32) {
        warnings.push(
          `sum_max ${runMax} does not fit the 32-bit field of the GCC ${v.major} object summary: libgcov writes it modulo 2^32 as ` +
            `${summary.sumMaxWritten}, and GCC takes its hot-count threshold from that value`,
        );
      }
    } else if (generation === 'llvm') {
      summary.sumMaxWritten = 0n;
    } else {
      // GCC 4.7-8 checksum the objects' function records, GCC 3.4-4.6 their file names.
      summary.checksum = generation === 'gcc-3.4' ? this.pathCrc : this.crc;
      if (generation === 'gcc-4.8') summary.histogram = this.histogram ? this.histogram.buckets() : [];
    }
    return { summary, warnings };
  }
}

/**
 * Computes, for the generation of the files, what that generation's runtime writes at exit
 * for one run of the program made of all these objects, and returns the files with it.
 * For a kernel harvest "the program" is every .gcda of the harvest: one summary, computed
 * over all of them, written into each.
 */
export function summarize(objects: readonly ProfileObject[], options: SummarizeOptions = {}): SummarizeResult {
  const builder = new ProgramSummaryBuilder(options);
  for (const o of objects) builder.add(o.name, o.file, o.gcdaPath);
  const { summary, warnings } = builder.finish();
  const files: GcdaFile[] = [];
  const replaced: ReplacedSummary[] = [];
  let objectChecksumsFilled = 0;
  for (const o of objects) {
    const r = applySummary(o.file, summary, options);
    files.push(r.file);
    if (r.checksumFilled) objectChecksumsFilled++;
    if (r.removed.length) replaced.push({ name: o.name, before: r.removed, after: r.added, same: sameSummaries(r.removed, r.added) });
  }
  return { summary, stats: builder.stats, files, replaced, objectChecksumsFilled, warnings };
}

/** What applySummary did to one file. */
export interface AppliedSummary {
  file: GcdaFile;
  /** Summary records the file carried before (replaced). */
  removed: SummaryRecord[];
  added: SummaryRecord[];
  checksumFilled: boolean;
}

/**
 * One file with the program summary written where its generation's runtime puts it; any
 * summary records it carried are replaced. Counter records are not touched (the kernel's
 * positive-length all-zero records stay as they are).
 */
export function applySummary(file: GcdaFile, summary: ProgramSummary, options: SummarizeOptions = {}): AppliedSummary {
  const removed: SummaryRecord[] = [];
  const kept: GcdaRecord[] = [];
  for (const r of file.records) {
    if (isSummary(r)) removed.push(r as SummaryRecord);
    else kept.push(r);
  }
  const added = summaryRecords(file, summary);
  // GCC 4.7+ write the summary right after the header; GCC 3.4-4.6 and LLVM after the functions.
  const records = summaryFirst(summary.generation) ? [...added, ...kept] : [...kept, ...added];
  const checksum = filledChecksum(file, summary, options);
  let trailer = file.trailer;
  if (trailer.length === 0 && (options.endMarker ?? true)) trailer = new Uint8Array(summary.generation === 'llvm' ? 8 : 4);
  return { file: { ...file, checksum, records, trailer }, removed, added, checksumFilled: checksum !== file.checksum };
}

/**
 * What summarizedBytes needs to know of a file besides its bytes: its header, whether it
 * carries summaries, and its object checksum. Small enough to keep for every file of a
 * harvest between the pass that computes the summary and the pass that writes it.
 */
export interface SummaryTarget {
  version: number;
  byteOrder: GcdaFile['byteOrder'];
  stamp: number;
  checksum: number | null;
  /** objectChecksum(file): the GCC 12+ checksum recomputed from the FUNCTION records, or null. */
  objectChecksum: number | null;
  hasSummary: boolean;
  trailerLength: number;
}

export function summaryTarget(file: GcdaFile): SummaryTarget {
  return {
    version: file.version,
    byteOrder: file.byteOrder,
    stamp: file.stamp,
    checksum: file.checksum,
    objectChecksum: file.checksum === 0 ? objectChecksum(file) : null,
    hasSummary: file.records.some(isSummary),
    trailerLength: file.trailer.length,
  };
}

/**
 * The bytes of writeGcda(applySummary(readGcda(bytes))). Where the generation puts the
 * summary first and the file has none (every kernel harvest), they are made without
 * re-encoding the counters: the header and summary, then the original records. Otherwise
 * the file is parsed and written through the model. `target` is summaryTarget(readGcda(bytes)),
 * computed here when not given; `file` names the buffer in errors.
 */
export function summarizedBytes(
  bytes: Uint8Array,
  summary: ProgramSummary,
  options: SummarizeOptions & { file?: string } = {},
  target?: SummaryTarget,
): Uint8Array {
  const parts = summarizedParts(bytes, summary, options, target);
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}

/**
 * summarizedBytes as consecutive pieces (the new header and summary, a view of the input's
 * records, the end marker), for writers that can write a file from several buffers without
 * joining them first: no copy of the counters at all.
 */
export function summarizedParts(
  bytes: Uint8Array,
  summary: ProgramSummary,
  options: SummarizeOptions & { file?: string } = {},
  target?: SummaryTarget,
): Uint8Array[] {
  if (!target || !summaryFirst(summary.generation) || target.hasSummary) {
    const file = readGcda(bytes, { file: options.file });
    if (!summaryFirst(summary.generation) || file.records.some(isSummary)) return [writeGcda(applySummary(file, summary, options).file)];
    target = summaryTarget(file);
  }
  const headerSize = target.checksum === null ? 12 : 16;
  const checksum =
    target.checksum === 0 && summary.generation === 'gcc-9' && (options.fillObjectChecksum ?? true) && target.objectChecksum !== null
      ? target.objectChecksum
      : target.checksum;
  const parts = [summaryHead(target, summary, checksum), bytes.subarray(headerSize)];
  if (target.trailerLength === 0 && (options.endMarker ?? true)) parts.push(END_MARKER);
  return parts;
}

const END_MARKER = new Uint8Array(4);

/**
 * The header and summary records of a summarized file. Within one summary they differ from
 * file to file only in the stamp and checksum words, so they are encoded once per version,
 * byte order and header size, and copied with those two words set (a kernel harvest has
 * tens of thousands of files: a model and an encoding per file were a tenth of the run).
 */
function summaryHead(target: SummaryTarget, summary: ProgramSummary, checksum: number | null): Uint8Array {
  let templates = headTemplates.get(summary);
  if (templates === undefined) headTemplates.set(summary, (templates = new Map()));
  const little = target.byteOrder === 'little';
  // (a ProgramSummary is not changed after finish(): its templates stay valid)
  const key = target.version * 4 + (little ? 2 : 0) + (checksum === null ? 0 : 1);
  let template = templates.get(key);
  if (template === undefined) {
    const header = { type: 'gcda', version: target.version, byteOrder: target.byteOrder, stamp: 0, checksum: checksum === null ? null : 0, trailer: new Uint8Array(0) } as const;
    template = writeGcda({ ...header, records: summaryRecords(target, summary) });
    templates.set(key, template);
  }
  const head = template.slice();
  putWord(head, 8, target.stamp, little);
  if (checksum !== null) putWord(head, 12, checksum, little);
  return head;
}

function putWord(bytes: Uint8Array, at: number, value: number, little: boolean): void {
  for (let i = 0; i < 4; i++) bytes[at + (little ? i : 3 - i)] = (value >>> (8 * i)) & 0xff;
}

const headTemplates = new WeakMap<ProgramSummary, Map<number, Uint8Array>>();

function summaryFirst(g: SummaryGeneration): boolean {
  return g === 'gcc-9' || g === 'gcc-4.8' || g === 'gcc-4.7';
}

function filledChecksum(file: GcdaFile, summary: ProgramSummary, options: SummarizeOptions): number | null {
  if (file.checksum !== 0 || summary.generation !== 'gcc-9' || !(options.fillObjectChecksum ?? true)) return file.checksum;
  return objectChecksum(file) ?? file.checksum;
}

/** A summary record of any layout, decoded or kept raw. */
export function isSummary(r: GcdaRecord): r is SummaryRecord {
  return r.type === 'summary' || (r.type === 'raw' && (r.tag === TAG_OBJECT_SUMMARY || r.tag === TAG_PROGRAM_SUMMARY));
}

/**
 * LLVM's runtime ends a file with two zero words, writes its summary after the functions
 * and (402*) function names into the .gcda; libgcov writes one zero word, the kernel none.
 */
export function looksLlvmWritten(file: GcdaFile): boolean {
  if (file.trailer.length === 8 && file.trailer.every((b) => b === 0)) return true;
  for (const r of file.records) {
    if (r.type === 'summary' && r.layout === 'llvm-runs') return true;
    if (r.type === 'function' && r.name !== undefined) return true;
  }
  return false;
}

function arcsOf(fn: GcdaFunction): CountersRecord | undefined {
  for (const r of fn.records) if (r.type === 'counters' && r.kind === 0) return r;
  return undefined;
}

/**
 * GCC 4.7-8 program checksum (libgcov.c gcov_exit in 4.7, libgcov-driver.c compute_summary in 4.8-8): crc32 over, per object in
 * list order, the stamp and the number of function slots, then per slot cfg_checksum and
 * lineno_checksum (0 and 0 for a slot the object does not provide) and, for a provided
 * function, the number of arc counters. libgcov's list order is the reverse of constructor
 * order; here it is the order of the objects given.
 */
export function programChecksum(objects: readonly ProfileObject[]): number {
  let crc = 0;
  for (const o of objects) crc = programChecksumStep(crc, o.file);
  return crc;
}

function programChecksumStep(crc: number, file: GcdaFile): number {
  const fns = file.records.filter((r): r is GcdaFunction => r.type === 'function');
  crc = crc32Unsigned(crc, file.stamp);
  crc = crc32Unsigned(crc, fns.length);
  for (const fn of fns) {
    crc = crc32Unsigned(crc, fn.placeholder ? 0 : (fn.cfgChecksum ?? 0));
    crc = crc32Unsigned(crc, fn.placeholder ? 0 : fn.linenoChecksum);
    if (fn.placeholder) continue;
    const arcs = arcsOf(fn);
    if (arcs) crc = crc32Unsigned(crc, arcs.values.length);
  }
  return crc;
}

/**
 * GCC 12+ object checksum as the compiler computes it (coverage.c coverage_finish): crc32
 * over ident, lineno_checksum and cfg_checksum of every function in gcov_info order, which
 * is the order of the FUNCTION records. null when a function is a placeholder (its
 * checksums are not in the file).
 */
export function objectChecksum(file: GcdaFile): number | null {
  let crc = 0;
  for (const r of file.records) {
    if (r.type !== 'function') continue;
    if (r.placeholder || r.cfgChecksum === null) return null;
    crc = crc32Unsigned(crc, r.ident);
    crc = crc32Unsigned(crc, r.linenoChecksum);
    crc = crc32Unsigned(crc, r.cfgChecksum);
  }
  return crc;
}

/** The summary records the generation's runtime writes into this file. */
export function summaryRecords(file: { version: number; records?: GcdaRecord[] }, s: ProgramSummary): SummaryRecord[] {
  switch (s.generation) {
    case 'gcc-9':
      return [{ type: 'summary', layout: 'runs', tag: TAG_OBJECT_SUMMARY, runs: s.runs, sumMax: Number(s.sumMaxWritten) }];
    case 'llvm':
      // GCDAProfiling.c (clang 11+): version >= 9 writes OBJECT_SUMMARY {runs, 0}, older
      // versions a 3-word PROGRAM_SUMMARY {0, 0, runs}.
      return decodeVersion(file.version)!.number >= 90
        ? [{ type: 'summary', layout: 'runs', tag: TAG_OBJECT_SUMMARY, runs: s.runs, sumMax: 0 }]
        : [{ type: 'summary', layout: 'llvm-runs', tag: TAG_PROGRAM_SUMMARY, checksum: 0, num: 0, runs: s.runs }];
    case 'gcc-4.8':
    case 'gcc-4.7':
      return [{ type: 'summary', layout: 'counters', tag: TAG_PROGRAM_SUMMARY, checksum: s.checksum!, arcs: programArcs(s) }];
    case 'gcc-3.4':
      return [
        { type: 'summary', layout: 'counters', tag: TAG_OBJECT_SUMMARY, checksum: 0, arcs: objectArcs(file) },
        { type: 'summary', layout: 'counters', tag: TAG_PROGRAM_SUMMARY, checksum: s.checksum!, arcs: programArcs(s) },
      ];
  }
}

function programArcs(s: ProgramSummary) {
  return { num: s.num, runs: s.runs, sumAll: s.sumAll, runMax: s.runMax, sumMax: s.sumMax, histogram: s.histogram };
}

/** GCC 3.4-4.6 object summary: the same fields over this object's own arc counters. */
function objectArcs(file: { version: number; records?: GcdaRecord[] }) {
  if (!file.records) throw new Error('the GCC 3.4-4.6 object summary needs the file\'s records');
  const b = new ProgramSummaryBuilder({ existing: 'replace' });
  b.add('', file as GcdaFile);
  const { summary } = b.finish();
  return { num: summary.num, runs: 1, sumAll: summary.sumAll, runMax: summary.runMax, sumMax: summary.runMax, histogram: null };
}

function sameSummaries(a: SummaryRecord[], b: SummaryRecord[]): boolean {
  const key = (r: SummaryRecord) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return a.length === b.length && a.every((r, i) => key(r) === key(b[i]!));
}
