/**
 * Record tags and the counter-kind tables of each GCC generation.
 * Tags nest by value, not physically (gcc/gcov-io.h): four 8-bit levels, most
 * significant first; FUNCTION is level 1, its blocks/arcs/lines/counters level 2.
 */

export const GCDA_MAGIC = 0x67636461; // "gcda"
export const GCNO_MAGIC = 0x67636e6f; // "gcno"
/** GCC 13+ filename record preceding a .gcda image in a merge-stream. */
export const GCFN_MAGIC = 0x6763666e; // "gcfn"

export const TAG_FUNCTION = 0x01000000;
export const TAG_BLOCKS = 0x01410000;
export const TAG_ARCS = 0x01430000;
export const TAG_LINES = 0x01450000;
/** GCC 14+ condition coverage notes. */
export const TAG_CONDS = 0x01470000;
/** GCC 15+ prime path coverage notes. */
export const TAG_PATHS = 0x01490000;
export const TAG_COUNTER_BASE = 0x01a10000;
export const TAG_OBJECT_SUMMARY = 0xa1000000;
export const TAG_PROGRAM_SUMMARY = 0xa3000000;

/** Arc flags of ARCS records. */
export const ARC_ON_TREE = 1;
export const ARC_FAKE = 2;
export const ARC_FALLTHROUGH = 4;
export const ARC_TRUE = 8;
export const ARC_FALSE = 16;

export function counterTag(kind: number): number {
  return (TAG_COUNTER_BASE + kind * 0x20000) >>> 0;
}

/** Counter kind index of a tag, or -1 if the tag is not a counter tag. */
export function counterKindOfTag(tag: number): number {
  if ((tag & 0xffff) !== 0 || tag < TAG_COUNTER_BASE || tag > 0x01ff0000) return -1;
  const d = tag - TAG_COUNTER_BASE;
  return d % 0x20000 === 0 ? d / 0x20000 : -1;
}

/** Depth of a tag in the record hierarchy: 1 for FUNCTION and summaries, 2 for their children. */
export function tagDepth(tag: number): number {
  if ((tag & 0x00ffffff) === 0) return 1;
  if ((tag & 0x0000ffff) === 0) return 2;
  if ((tag & 0x000000ff) === 0) return 3;
  return 4;
}

/** The merge rule libgcov applies to a counter kind (named after GCC's __gcov_merge_* functions). */
export type MergeRule = 'add' | 'ior' | 'time_profile' | 'single' | 'delta' | 'icall_topn' | 'topn';

export interface CounterKindInfo {
  readonly name: string;
  readonly merge: MergeRule;
}

const ADD = (name: string): CounterKindInfo => ({ name, merge: 'add' });
const arcs = ADD('arcs');
const interval = ADD('interval');
const pow2 = ADD('pow2');
const single: CounterKindInfo = { name: 'single', merge: 'single' };
const delta: CounterKindInfo = { name: 'delta', merge: 'delta' };
const indirectSingle: CounterKindInfo = { name: 'indirect_call', merge: 'single' };
const average = ADD('average');
const ior: CounterKindInfo = { name: 'ior', merge: 'ior' };
const timeProfiler: CounterKindInfo = { name: 'time_profiler', merge: 'time_profile' };
const icallTopn: CounterKindInfo = { name: 'indirect_call_topn', merge: 'icall_topn' };
const topn: CounterKindInfo = { name: 'topn', merge: 'topn' };
const indirectTopn: CounterKindInfo = { name: 'indirect_call', merge: 'topn' };
const conditions: CounterKindInfo = { name: 'conditions', merge: 'ior' };
const paths: CounterKindInfo = { name: 'paths', merge: 'ior' };

// gcc/gcov-io.h (4.7, 4.8, 4.9) and gcc/gcov-counter.def (5 onward).
const KINDS_47 = [arcs, interval, pow2, single, delta, indirectSingle, average, ior];
const KINDS_49 = [...KINDS_47, timeProfiler];
const KINDS_5 = [...KINDS_49, icallTopn];
const KINDS_7 = [arcs, interval, pow2, single, indirectSingle, average, ior, timeProfiler, icallTopn];
const KINDS_10 = [arcs, interval, pow2, topn, indirectTopn, average, ior, timeProfiler];
const KINDS_14 = [...KINDS_10, conditions];
const KINDS_15 = [...KINDS_14, paths];

/** The counter kinds of a generation, indexed by the k of tag 0x01a10000 + k*0x20000. */
export function counterKinds(versionNumber: number): readonly CounterKindInfo[] {
  const v = versionNumber;
  if (v < 49) return KINDS_47;
  if (v < 50) return KINDS_49;
  if (v < 70) return KINDS_5;
  if (v < 100) return KINDS_7;
  if (v < 140) return KINDS_10;
  if (v < 150) return KINDS_14;
  return KINDS_15;
}

export function counterKindInfo(versionNumber: number, kind: number): CounterKindInfo | undefined {
  return counterKinds(versionNumber)[kind];
}

/** Index of a named counter kind in a generation's table, or -1. */
export function counterKindIndex(versionNumber: number, name: string): number {
  return counterKinds(versionNumber).findIndex((k) => k.name === name);
}

/** TOPN records in GCC 11+ are variable length: per site total, n, then n (value, count) pairs. */
export function hasVariableTopn(versionNumber: number): boolean {
  return versionNumber >= 110;
}
