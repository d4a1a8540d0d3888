import type { HistogramBucket } from '../format/summary-codec.js';
import { counterKindInfo, hasVariableTopn, type MergeRule } from '../format/tags.js';
import { decodeVersion, generationFeatures, versionText } from '../format/version.js';
import type { RawRecord } from '../model/common.js';
import type { CountersRecord, GcdaFile, GcdaFunction, GcdaRecord, SummaryRecord } from '../model/gcda.js';
import { mergeHistograms } from './histogram.js';
import { isSummary, looksLlvmWritten } from './summary.js';
import { HI, LO, bufferWordView, wordView } from './int64.js';

/**
 * Merging profiles exactly as libgcov accumulates runs. libgcov merges the file (the earlier
 * runs) into memory (the run that is exiting) and writes memory; so the offline equivalent
 * of runs R1..RN accumulated in place is the fold
 *   acc = R1;  acc = mergeGcda(memory = Rk, file = acc)  for k = 2..N
 * and the result keeps the newest run's header, function order and TOPN list order.
 * Each counter kind's rule is one function below, named after the libgcov function it
 * reproduces (libgcov-merge.c), with the GCC versions it covers.
 */

/** What to do when the two sides disagree about a function or an object. */
export type MismatchPolicy = 'refuse' | 'newest' | 'oldest';

export interface MergeOptions {
  /** Name of the object in messages (its relative path). */
  name?: string;
  /**
   * Functions whose checksums or counter counts differ, and objects whose stamps differ:
   * 'refuse' (default) throws MergeError; 'newest' keeps the newer side's data (what libgcov
   * does when the stamp differs: it overwrites the file); 'oldest' keeps the older side's.
   */
  onMismatch?: MismatchPolicy;
  /**
   * LLVM-written files: how runs combine. 'sum' (default) adds them; 'older' keeps the
   * older side's count, which is what LLVM's runtime does for every object but the first
   * one a process writes (reference §11).
   */
  llvmRuns?: 'sum' | 'older';
  /**
   * The older side's counter arrays may be overwritten with the result (it is not used
   * afterwards): saves an allocation per record when folding many inputs.
   */
  reuseOlder?: boolean;
}

/** A disagreement that was resolved by the mismatch policy, for the report. */
export interface MergeMismatch {
  name: string;
  ident: number | null;
  what: string;
  kept: 'newest' | 'oldest';
}

export interface MergeResult {
  file: GcdaFile;
  mismatches: MergeMismatch[];
  /** Functions found in only one of the two sides (kept). */
  onlyNewer: number;
  onlyOlder: number;
}

export class MergeError extends Error {
  override readonly name = 'MergeError';
}

const M64 = (v: bigint) => BigInt.asIntN(64, v);

/**
 * Merges `file` (the older side: the accumulation so far) into `memory` (the newer run) as
 * libgcov's merge_one_data does, and returns the file libgcov would write.
 */
export function mergeGcda(memory: GcdaFile, file: GcdaFile, options: MergeOptions = {}): MergeResult {
  const name = options.name ?? '<profile>';
  const policy = options.onMismatch ?? 'refuse';
  if (memory.version !== file.version) {
    throw new MergeError(
      `${name}: gcov versions differ: '${versionText(file.version)}' (older input) and '${versionText(memory.version)}' (newer input); files of one compiler can be merged`,
    );
  }
  const mismatches: MergeMismatch[] = [];
  const mismatch = (ident: number | null, what: string): 'newest' | 'oldest' => {
    if (policy === 'refuse') {
      throw new MergeError(`${name}: ${ident === null ? '' : `function ${ident}: `}${what}; --on-mismatch newest|oldest chooses a side`);
    }
    mismatches.push({ name, ident, what, kept: policy });
    return policy;
  };
  // libgcov (<= 11 stamp, 12+ object checksum): another compilation of the object; the
  // file's data is discarded. Here a policy decides.
  if (memory.stamp !== file.stamp || memory.checksum !== file.checksum) {
    const what =
      memory.stamp !== file.stamp
        ? `stamps differ (0x${file.stamp.toString(16)} older, 0x${memory.stamp.toString(16)} newer): the object was compiled again`
        : `object checksums differ (0x${(file.checksum ?? 0).toString(16)} older, 0x${(memory.checksum ?? 0).toString(16)} newer)`;
    const side = mismatch(null, what);
    return { file: side === 'newest' ? memory : file, mismatches, onlyNewer: 0, onlyOlder: 0 };
  }

  const v = decodeVersion(memory.version)!.number;
  const llvm = looksLlvmWritten(memory) || looksLlvmWritten(file);
  const olderFns = new Map<number, GcdaFunction>();
  for (const r of file.records) if (r.type === 'function' && !r.placeholder) olderFns.set(r.ident, r);
  const records: GcdaRecord[] = [];
  let onlyNewer = 0;
  const summaries = mergeSummaries(memory, file, name, llvm, options.llvmRuns ?? 'sum');
  let summariesPlaced = false;
  for (const r of memory.records) {
    if (isSummary(r)) {
      // The merged summaries take the place of the newer side's first summary.
      if (!summariesPlaced) records.push(...summaries);
      summariesPlaced = true;
      continue;
    }
    if (r.type !== 'function' || r.placeholder) {
      records.push(r);
      continue;
    }
    const older = olderFns.get(r.ident);
    if (!older) {
      onlyNewer++;
      records.push(r);
      continue;
    }
    olderFns.delete(r.ident);
    records.push(mergeFunction(r, older, v, llvm, mismatch, options.reuseOlder ?? false));
  }
  // Functions only the older side has are kept, after the newer side's.
  const onlyOlder = olderFns.size;
  for (const r of file.records) if (r.type === 'function' && !r.placeholder && olderFns.has(r.ident)) records.push(r);
  if (!summariesPlaced) records.push(...summaries);
  return { file: { ...memory, records }, mismatches, onlyNewer, onlyOlder };
}

function mergeFunction(
  mem: GcdaFunction,
  old: GcdaFunction,
  v: number,
  llvm: boolean,
  mismatch: (ident: number | null, what: string) => 'newest' | 'oldest',
  reuseOlder: boolean,
): GcdaFunction {
  // LLVM's runtime does not compare function checksums (GCDAProfiling.c); libgcov does.
  if (!llvm && (mem.linenoChecksum !== old.linenoChecksum || mem.cfgChecksum !== old.cfgChecksum)) {
    const what = `checksums differ (lineno 0x${old.linenoChecksum.toString(16)}/0x${mem.linenoChecksum.toString(16)}, cfg 0x${(old.cfgChecksum ?? 0).toString(16)}/0x${(mem.cfgChecksum ?? 0).toString(16)}, older/newer)`;
    return mismatch(mem.ident, what) === 'newest' ? mem : old;
  }
  // The same counter kinds in the same order on both sides (the same compiled function).
  const oldCounters: CountersRecord[] = [];
  for (const r of old.records) if (r.type === 'counters') oldCounters.push(r);
  let n = 0;
  let sameKinds = true;
  for (const r of mem.records) {
    if (r.type !== 'counters') continue;
    if (n >= oldCounters.length || oldCounters[n]!.kind !== r.kind) sameKinds = false;
    n++;
  }
  if (!sameKinds || n !== oldCounters.length) {
    const kinds = (f: GcdaFunction) => f.records.flatMap((r) => (r.type === 'counters' ? [r.kind] : [])).join(',');
    return mismatch(mem.ident, `counter kinds differ (${kinds(old)} older, ${kinds(mem)} newer)`) === 'newest' ? mem : old;
  }
  const features = generationFeatures(v);
  const merged: Array<CountersRecord | RawRecord> = new Array(mem.records.length);
  let i = 0;
  for (let k = 0; k < mem.records.length; k++) {
    const r = mem.records[k]!;
    if (r.type !== 'counters') {
      merged[k] = r;
      continue;
    }
    const o = oldCounters[i++]!;
    const rule = counterKindInfo(v, r.kind)?.merge ?? 'add';
    const variable = rule === 'topn' && hasVariableTopn(v);
    if (!variable && r.values.length !== o.values.length) {
      const kindName = counterKindInfo(v, r.kind)?.name ?? `kind ${r.kind}`;
      const side = mismatch(mem.ident, `number of ${kindName} counters differs (${o.values.length} older, ${r.values.length} newer)`);
      return side === 'newest' ? mem : old;
    }
    const values =
      rule === 'add' && reuseOlder && !o.compactZero ? mergeAdd(r.values, o.values, o.values) : mergeCounters(rule, r.values, o.values, v);
    // libgcov 11+ writes an all-zero record of a fixed-length kind as a negative length.
    const compactZero = features.negativeLengthZeros && rule !== 'topn' && values.length > 0 && allZero(values);
    merged[k] = { type: 'counters', kind: r.kind, values, compactZero };
  }
  return { ...mem, records: merged };
}

function allZero(values: BigInt64Array): boolean {
  const { words, at } = bufferWordView(values);
  for (let i = at, end = at + values.length * 2; i < end; i++) if (words[i] !== 0) return false;
  return true;
}

/** Applies one kind's rule: memory (newer) and file (older) values in, merged values out. */
export function mergeCounters(rule: MergeRule, mem: BigInt64Array, file: BigInt64Array, versionNumber: number): BigInt64Array {
  switch (rule) {
    case 'add':
      return mergeAdd(mem, file);
    case 'ior':
      return mergeIor(mem, file);
    case 'time_profile':
      return mergeTimeProfile(mem, file);
    case 'single':
      return mergeSingle(mem, file);
    case 'delta':
      return mergeDelta(mem, file);
    case 'icall_topn':
      return mergeIcallTopn(mem, file);
    case 'topn':
      return hasVariableTopn(versionNumber) ? mergeTopn(mem, file) : mergeTopnFixed(mem, file);
  }
}

/**
 * __gcov_merge_add (all versions): mem[i] += file[i], 64-bit wrap-around; word arithmetic,
 * no BigInt per counter. `out` may be `file` (in place) or a new array.
 */
export function mergeAdd(mem: BigInt64Array, file: BigInt64Array, out: BigInt64Array = new BigInt64Array(mem.length)): BigInt64Array {
  const a = bufferWordView(mem);
  const b = bufferWordView(file);
  const o = bufferWordView(out);
  const aw = a.words;
  const bw = b.words;
  const ow = o.words;
  for (let i = 0, n = mem.length * 2; i < n; i += 2) {
    const lo = (aw[a.at + i + LO]! >>> 0) + (bw[b.at + i + LO]! >>> 0);
    const hi = (aw[a.at + i + HI]! + bw[b.at + i + HI]! + (lo > 0xffffffff ? 1 : 0)) | 0;
    ow[o.at + i + LO] = lo | 0;
    ow[o.at + i + HI] = hi;
  }
  return out;
}

/** __gcov_merge_ior (ior; GCC 14 conditions, 15 paths): mem[i] |= file[i]. */
export function mergeIor(mem: BigInt64Array, file: BigInt64Array): BigInt64Array {
  const out = new BigInt64Array(mem.length);
  const a = wordView(mem);
  const b = wordView(file);
  const o = wordView(out);
  for (let i = 0; i < o.length; i++) o[i] = a[i]! | b[i]!;
  return out;
}

/** __gcov_merge_time_profile (GCC 4.9+): keep the smallest non-zero first-execution order. */
export function mergeTimeProfile(mem: BigInt64Array, file: BigInt64Array): BigInt64Array {
  const out = mem.slice();
  for (let i = 0; i < out.length; i++) {
    const value = file[i]!;
    if (value !== 0n && (out[i] === 0n || value < out[i]!)) out[i] = value;
  }
  return out;
}

/**
 * __gcov_merge_single (single, and indirect_call up to GCC 9): (value, count, all) triples,
 * a majority vote between the stored candidate and the file's.
 */
export function mergeSingle(mem: BigInt64Array, file: BigInt64Array): BigInt64Array {
  const out = mem.slice();
  for (let i = 0; i + 2 < out.length; i += 3) {
    vote(out, i, file[i]!, file[i + 1]!);
    out[i + 2] = M64(out[i + 2]! + file[i + 2]!);
  }
  return out;
}

/** The shared vote of _single and _delta: candidate at out[at], its count at out[at + 1]. */
function vote(out: BigInt64Array, at: number, value: bigint, count: bigint): void {
  if (out[at] === value) out[at + 1] = M64(out[at + 1]! + count);
  else if (count > out[at + 1]!) {
    out[at] = value;
    out[at + 1] = M64(count - out[at + 1]!);
  } else out[at + 1] = M64(out[at + 1]! - count);
}

/** __gcov_merge_delta (GCC <= 6): (last, value, count, all); last is ignored, then the _single vote. */
export function mergeDelta(mem: BigInt64Array, file: BigInt64Array): BigInt64Array {
  const out = mem.slice();
  for (let i = 0; i + 3 < out.length; i += 4) {
    vote(out, i + 1, file[i + 1]!, file[i + 2]!);
    out[i + 3] = M64(out[i + 3]! + file[i + 3]!);
  }
  return out;
}

const ICALL_TOPN_NCOUNTS = 9;

/**
 * __gcov_merge_icall_topn (indirect_call_topn, GCC 5-9): groups of 9 counters, an eviction
 * count (the file's is skipped) and 4 (target, count) pairs. Memory's pairs, then the file's
 * folded in (count added on an equal target, else appended), insertion-sorted by count,
 * the first 4 kept.
 */
export function mergeIcallTopn(mem: BigInt64Array, file: BigInt64Array): BigInt64Array {
  const out = mem.slice();
  const pairs = ICALL_TOPN_NCOUNTS - 1;
  for (let g = 0; g + ICALL_TOPN_NCOUNTS <= out.length; g += ICALL_TOPN_NCOUNTS) {
    const tmp: bigint[] = new Array<bigint>(2 * pairs).fill(0n);
    let j = 0;
    for (; j < pairs; j += 2) {
      tmp[j] = out[g + 1 + j]!;
      tmp[j + 1] = out[g + 1 + j + 1]!;
    }
    for (let k = 0; k < pairs; k += 2) {
      const id = file[g + 1 + k]!;
      const count = file[g + 1 + k + 1]!;
      let found = false;
      for (let m = 0; m < j; m += 2) {
        if (tmp[m] === id) {
          tmp[m + 1] = M64(tmp[m + 1]! + count);
          found = true;
          break;
        }
      }
      if (!found) {
        tmp[j] = id;
        tmp[j + 1] = count;
        j += 2;
      }
    }
    sortPairsByCount(tmp, j);
    for (let k = 0; k < pairs; k++) out[g + 1 + k] = tmp[k]!;
  }
  return out;
}

/** gcov_sort_n_vals (libgcov, GCC 5-9): insertion sort of (value, count) pairs, count descending. */
function sortPairsByCount(a: bigint[], n: number): void {
  for (let j = 2; j < n; j += 2) {
    const v = a[j]!;
    const c = a[j + 1]!;
    let k = j - 2;
    while (k >= 0 && a[k + 1]! < c) {
      a[k + 2] = a[k]!;
      a[k + 3] = a[k + 1]!;
      k -= 2;
    }
    a[k + 2] = v;
    a[k + 3] = c;
  }
}

const TOPN_FIXED_VALUES = 4;

/**
 * merge_topn_values_set (GCC 10, fixed groups of total + 4 pairs; from the 2020 sources,
 * the 10.x release file was not available): a negative file total negates memory's first;
 * each non-zero file pair adds to an equal value or takes the smallest slot, an empty one
 * outright, otherwise marking the total negative and replacing the slot if larger or
 * decrementing it.
 */
export function mergeTopnFixed(mem: BigInt64Array, file: BigInt64Array): BigInt64Array {
  const out = mem.slice();
  const group = 1 + 2 * TOPN_FIXED_VALUES;
  for (let g = 0; g + group <= out.length; g += group) {
    const all = file[g]!;
    if (all < 0n) out[g] = M64(-out[g]!);
    out[g] = M64(out[g]! + all);
    for (let i = 0; i < TOPN_FIXED_VALUES; i++) {
      const value = file[g + 1 + 2 * i]!;
      const count = file[g + 2 + 2 * i]!;
      if (count === 0n) continue;
      let slot = 0;
      let j = 0;
      for (; j < TOPN_FIXED_VALUES; j++) {
        if (out[g + 1 + 2 * j] === value) {
          out[g + 2 + 2 * j] = M64(out[g + 2 + 2 * j]! + count);
          break;
        } else if (out[g + 2 + 2 * j]! < out[g + 2 + 2 * slot]!) slot = j;
      }
      if (j < TOPN_FIXED_VALUES) continue;
      const slotCount = out[g + 2 + 2 * slot]!;
      if (slotCount === 0n) {
        out[g + 1 + 2 * slot] = value;
        out[g + 2 + 2 * slot] = count;
      } else {
        if (out[g]! >= 0n) out[g] = M64(-out[g]!);
        if (count > slotCount) {
          out[g + 1 + 2 * slot] = value;
          out[g + 2 + 2 * slot] = count;
        } else out[g + 2 + 2 * slot] = M64(slotCount - count);
      }
    }
  }
  return out;
}

/** GCOV_TOPN_MAXIMUM_TRACKED_VALUES (libgcov.h, GCC 11+). */
export const TOPN_MAXIMUM_TRACKED_VALUES = 32;

/** One TOPN site of a GCC 11+ record: total, then the (value, count) list in list order. */
export interface TopnSite {
  total: bigint;
  values: bigint[];
  counts: bigint[];
}

/** Splits a GCC 11+ TOPN record (per site: total, n, n pairs) into sites; throws on a malformed layout. */
export function topnSites(values: BigInt64Array): TopnSite[] {
  const sites: TopnSite[] = [];
  let i = 0;
  while (i < values.length) {
    if (i + 2 > values.length) throw new MergeError(`TOPN record: site at counter ${i} is cut short`);
    const total = values[i]!;
    const n = values[i + 1]!;
    if (n < 0n || BigInt(i + 2) + 2n * n > BigInt(values.length)) throw new MergeError(`TOPN record: site at counter ${i} claims ${n} pairs, more than the record holds`);
    const site: TopnSite = { total, values: [], counts: [] };
    for (let k = 0; k < Number(n); k++) {
      site.values.push(values[i + 2 + 2 * k]!);
      site.counts.push(values[i + 3 + 2 * k]!);
    }
    sites.push(site);
    i += 2 + 2 * Number(n);
  }
  return sites;
}

export function topnRecord(sites: readonly TopnSite[]): BigInt64Array {
  const out = new BigInt64Array(sites.reduce((n, s) => n + 2 + 2 * s.values.length, 0));
  let i = 0;
  for (const s of sites) {
    out[i++] = s.total;
    out[i++] = BigInt(s.values.length);
    for (let k = 0; k < s.values.length; k++) {
      out[i++] = s.values[k]!;
      out[i++] = s.counts[k]!;
    }
  }
  return out;
}

/**
 * gcov_topn_add_value (libgcov.h, GCC 11-15) without incrementing the total: an equal value
 * gets the count added; a new value is appended at the tail, unless 32 values are tracked:
 * then the first node with the smallest count is decremented by one and replaced if it is
 * now below the incoming count. Returns true when the list was full.
 */
export function topnAddValue(site: TopnSite, value: bigint, count: bigint): boolean {
  let minimal = -1;
  for (let k = 0; k < site.values.length; k++) {
    if (site.values[k] === value) {
      site.counts[k] = M64(site.counts[k]! + count);
      return false;
    }
    if (minimal < 0 || site.counts[k]! < site.counts[minimal]!) minimal = k;
  }
  if (site.values.length === TOPN_MAXIMUM_TRACKED_VALUES) {
    site.counts[minimal] = M64(site.counts[minimal]! - 1n);
    if (site.counts[minimal]! < count) {
      site.values[minimal] = value;
      site.counts[minimal] = count;
    }
    return true;
  }
  site.values.push(value);
  site.counts.push(count);
  return false;
}

/**
 * __gcov_merge_topn (topn and indirect_call, GCC 11-15), per site: memory's total gains the
 * file's |total|; each file pair goes through topnAddValue; if the file's total was
 * negative or a value was lost, the total is stored negated (values were dropped).
 */
export function mergeTopn(mem: BigInt64Array, file: BigInt64Array): BigInt64Array {
  const memSites = topnSites(mem);
  const fileSites = topnSites(file);
  if (memSites.length !== fileSites.length) throw new MergeError(`TOPN records hold ${fileSites.length} and ${memSites.length} sites`);
  for (let s = 0; s < memSites.length; s++) {
    const site = memSites[s]!;
    const f = fileSites[s]!;
    let full = f.total < 0n;
    site.total = M64(site.total + (full ? -f.total : f.total));
    for (let k = 0; k < f.values.length; k++) full = topnAddValue(site, f.values[k]!, f.counts[k]!) || full;
    if (full) site.total = M64(-site.total);
  }
  return topnRecord(memSites);
}

// ------------------------------------------------------------------------------ summaries

/**
 * Summaries of the merged file. GCC 9+ (libgcov-driver.c): runs and sum_max add (sum_max
 * written modulo 2^32). GCC 3.4-8 (merge_summary): per program summary matched by checksum
 * and num, runs and sum_all add, run_max is the maximum, sum_max adds, and in 4.8-8 the
 * histograms merge (gcov_histogram_merge, the older side as target). LLVM: runs add, or the
 * older count is kept (llvmRuns 'older').
 */
function mergeSummaries(mem: GcdaFile, file: GcdaFile, name: string, llvm: boolean, llvmRuns: 'sum' | 'older'): SummaryRecord[] {
  const ms = mem.records.filter((r): r is SummaryRecord => r.type === 'summary');
  const fs = file.records.filter((r): r is SummaryRecord => r.type === 'summary');
  const missing = ms.length === 0 ? 'newer' : fs.length === 0 ? 'older' : null;
  if (missing) {
    throw new MergeError(
      `${name}: the ${missing} input has no summary record (a kernel harvest?): summarize each run first (gcda-summarize, or gcda-merge --summarize)`,
    );
  }
  const out: SummaryRecord[] = [];
  const used = new Set<SummaryRecord>();
  for (const m of ms) {
    if (m.layout === 'runs') {
      const f = fs.find((x) => !used.has(x) && x.layout === 'runs' && x.tag === m.tag);
      if (!f || f.layout !== 'runs') throw new MergeError(`${name}: summary layouts differ between the inputs`);
      used.add(f);
      const runs = llvm && llvmRuns === 'older' ? f.runs : (m.runs + f.runs) >>> 0;
      out.push({ ...m, runs, sumMax: (m.sumMax + f.sumMax) >>> 0 });
    } else if (m.layout === 'llvm-runs') {
      const f = fs.find((x) => !used.has(x) && x.layout === 'llvm-runs');
      if (!f || f.layout !== 'llvm-runs') throw new MergeError(`${name}: summary layouts differ between the inputs`);
      used.add(f);
      out.push({ ...m, runs: llvmRuns === 'older' ? f.runs : (m.runs + f.runs) >>> 0 });
    } else {
      const f = fs.find((x) => !used.has(x) && x.layout === 'counters' && x.tag === m.tag && x.checksum === m.checksum && x.arcs.num === m.arcs.num);
      if (!f || f.layout !== 'counters') {
        out.push(m);
        continue;
      }
      used.add(f);
      const a = f.arcs;
      const b = m.arcs;
      let histogram: HistogramBucket[] | null = null;
      if (a.histogram && b.histogram) histogram = a.runs === 0 ? b.histogram : mergeHistograms(a.histogram, b.histogram);
      out.push({
        ...m,
        arcs: {
          num: a.runs === 0 ? b.num : a.num,
          runs: (a.runs + b.runs) >>> 0,
          sumAll: M64(a.sumAll + b.sumAll),
          runMax: a.runMax > b.runMax ? a.runMax : b.runMax,
          sumMax: M64(a.sumMax + b.sumMax),
          histogram,
        },
      });
    }
  }
  // Summaries of other programs that only the older side holds stay, after the matched ones.
  for (const f of fs) if (!used.has(f)) out.push(f);
  return out;
}

// --------------------------------------------------------------------------- scaling

/** A scale factor: a float (gcov-tool `-s 0.5`), or a fraction n/d (`-s 1/3`) applied as RDIV(v, d) * n. */
export type ScaleFactor = { kind: 'float'; value: number } | { kind: 'fraction'; n: bigint; d: bigint };

/** Parses gcov-tool's -s syntax: "n/d" or a float. */
export function parseScale(text: string): ScaleFactor {
  const m = /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(text);
  if (m) {
    const d = BigInt(m[2]!);
    if (d === 0n) throw new RangeError(`scale ${text}: division by zero`);
    return { kind: 'fraction', n: BigInt(m[1]!), d };
  }
  const f = Number(text);
  if (text.trim() === '' || !Number.isFinite(f)) throw new RangeError(`scale ${text}: not a number or n/d fraction`);
  return { kind: 'float', value: f };
}

/** C's (float) conversion of a 64-bit integer: round to nearest even in single precision. */
export function int64ToFloat32(v: bigint): number {
  const a = v < 0n ? -v : v;
  if (a < 1n << 53n) return Math.fround(Number(v));
  // Keep 25 significant bits plus a sticky bit, so the one rounding to 24 bits is exact.
  const bits = a.toString(2).length;
  const shift = BigInt(bits - 25);
  let top = a >> shift;
  if ((a & ((1n << shift) - 1n)) !== 0n) top |= 1n;
  const r = Math.fround(Number(top) * 2 ** Number(shift));
  return v < 0n ? -r : r;
}

/** One counter scaled as gcov-tool does: (gcov_type)(v * f) in float, or RDIV(v, d) * n. */
export function scaleValue(v: bigint, s: ScaleFactor): bigint {
  if (s.kind === 'fraction') {
    // RDIV(X, Y) = ((X) + (Y) / 2) / (Y), C integer division (truncating).
    const q = (v + s.d / 2n) / s.d;
    return M64(q * s.n);
  }
  const p = Math.fround(int64ToFloat32(v) * Math.fround(s.value));
  if (!Number.isFinite(p) || Math.abs(p) >= 2 ** 63) return p < 0 ? -(1n << 63n) : (1n << 63n) - 1n;
  return BigInt(Math.trunc(p));
}

/**
 * Scales the counts of one record by its kind's rule (gcov-tool rewrite -s, libgcov-util.c
 * __gcov_*_counter_op): add kinds every value; single the count and all; delta count and
 * all; icall_topn the pair counts; ior and time profile untouched; TOPN (GCC 10+, where
 * gcov-tool 12 crashes) the total and the pair counts, never values or n.
 */
export function scaleCounters(rule: MergeRule, values: BigInt64Array, s: ScaleFactor, versionNumber: number): BigInt64Array {
  const out = values.slice();
  const at = (i: number) => {
    out[i] = scaleValue(out[i]!, s);
  };
  switch (rule) {
    case 'add':
      for (let i = 0; i < out.length; i++) at(i);
      break;
    case 'ior':
    case 'time_profile':
      break;
    case 'single':
      for (let i = 0; i + 2 < out.length; i += 3) {
        at(i + 1);
        at(i + 2);
      }
      break;
    case 'delta':
      for (let i = 0; i + 3 < out.length; i += 4) {
        at(i + 2);
        at(i + 3);
      }
      break;
    case 'icall_topn':
      for (let g = 0; g + ICALL_TOPN_NCOUNTS <= out.length; g += ICALL_TOPN_NCOUNTS) for (let j = 0; j < ICALL_TOPN_NCOUNTS - 1; j += 2) at(g + 1 + j + 1);
      break;
    case 'topn':
      if (hasVariableTopn(versionNumber)) {
        const sites = topnSites(values);
        for (const site of sites) {
          site.total = scaleValue(site.total, s);
          site.counts = site.counts.map((c) => scaleValue(c, s));
        }
        return topnRecord(sites);
      }
      for (let g = 0; g + 9 <= out.length; g += 9) {
        at(g);
        for (let j = 0; j < 4; j++) at(g + 2 + 2 * j);
      }
      break;
  }
  return out;
}

/** A file with every counter record scaled by its kind's rule. Summaries are left as they are (as gcov-tool does). */
export function scaleGcda(file: GcdaFile, s: ScaleFactor): GcdaFile {
  const v = decodeVersion(file.version)!.number;
  const features = generationFeatures(v);
  return {
    ...file,
    records: file.records.map((r) => {
      if (r.type !== 'function') return r;
      return {
        ...r,
        records: r.records.map((c) => {
          if (c.type !== 'counters') return c;
          const rule = counterKindInfo(v, c.kind)?.merge ?? 'add';
          const values = scaleCounters(rule, c.values, s, v);
          // Written as libgcov writes (gcov-tool rewrites through it): GCC 11+ all-zero records in the short form.
          const compactZero = features.negativeLengthZeros && rule !== 'topn' && values.length > 0 && values.every((x) => x === 0n);
          return { ...c, values, compactZero };
        }),
      };
    }),
  };
}

/** The largest arc counter of a set of files (gcov-tool rewrite -n: signed, from 0). */
export function maxArcCounter(files: Iterable<GcdaFile>): bigint {
  let max = 0n;
  for (const f of files)
    for (const r of f.records) {
      if (r.type !== 'function') continue;
      for (const c of r.records) if (c.type === 'counters' && c.kind === 0) for (const x of c.values) if (x > max) max = x;
    }
  return max;
}

/** gcov-tool rewrite -n MAX: the float factor (float)MAX / current max, computed in single precision. */
export function normalizeScale(max: bigint, currentMax: bigint): ScaleFactor {
  return { kind: 'float', value: Math.fround(int64ToFloat32(max) / int64ToFloat32(currentMax)) };
}

/** Multiplies a profile's counts by an integer weight (gcov-tool merge -w): the same per-kind rule as scaling by w/1, and the runs and sum_max of its summary. */
export function weightGcda(file: GcdaFile, weight: number): GcdaFile {
  if (weight === 1) return file;
  const scaled = scaleGcda(file, { kind: 'fraction', n: BigInt(weight), d: 1n });
  return {
    ...scaled,
    records: scaled.records.map((r) => {
      if (r.type !== 'summary') return r;
      if (r.layout === 'runs') return { ...r, runs: (r.runs * weight) >>> 0, sumMax: Number(BigInt.asUintN(32, BigInt(r.sumMax) * BigInt(weight))) };
      if (r.layout === 'llvm-runs') return { ...r, runs: (r.runs * weight) >>> 0 };
      return { ...r, arcs: { ...r.arcs, runs: (r.arcs.runs * weight) >>> 0, sumAll: M64(r.arcs.sumAll * BigInt(weight)), sumMax: M64(r.arcs.sumMax * BigInt(weight)) } };
    }),
  };
}

/**
 * Folds the runs of one object, oldest first, as libgcov accumulates them in place:
 * acc = R1; acc = mergeGcda(memory = Rk, file = acc). `weights` multiply each run's counts
 * (and its runs and sum_max). Absent runs (undefined) are skipped: an object present in only
 * some inputs keeps what the others have.
 */
export function foldRuns(runs: ReadonlyArray<GcdaFile | undefined>, options: MergeOptions & { weights?: readonly number[] } = {}): MergeResult {
  let acc: GcdaFile | undefined;
  const mismatches: MergeMismatch[] = [];
  let onlyNewer = 0;
  let onlyOlder = 0;
  runs.forEach((run, k) => {
    if (!run) return;
    const weighted = weightGcda(run, options.weights?.[k] ?? 1);
    if (!acc) {
      acc = weighted;
      return;
    }
    const r = mergeGcda(weighted, acc, options);
    acc = r.file;
    mismatches.push(...r.mismatches);
    onlyNewer += r.onlyNewer;
    onlyOlder += r.onlyOlder;
  });
  if (!acc) throw new MergeError(`${options.name ?? '<profile>'}: no input holds this object`);
  return { file: acc, mismatches, onlyNewer, onlyOlder };
}
