import { hex } from '../format/records.js';
import { counterKindOfTag, counterTag, TAG_ARCS, TAG_BLOCKS, TAG_CONDS, TAG_FUNCTION, TAG_LINES, TAG_OBJECT_SUMMARY, TAG_PATHS, TAG_PROGRAM_SUMMARY, counterKinds, ARC_ON_TREE, ARC_FAKE, ARC_FALLTHROUGH } from '../format/tags.js';
import { generationFeatures } from '../format/version.js';
import type { RawRecord } from './common.js';
import { gcdaLengthField, gcdaVersion, type CountersRecord, type GcdaFile, type GcdaFunction, type GcdaRecord } from './gcda.js';
import { gcnoLengthField, type GcnoFile, type GcnoRecord } from './gcno.js';

/**
 * Text in the form `gcov-dump -l` prints, as the gcov-dump of the file's own GCC version
 * would print it (gcc/gcov-dump.c(c)): GCC 8+ indent with spaces (checked line for line
 * against gcov-dump-11 and gcov-dump-12 in the tests); GCC 5-7 used tabs and a histogram in
 * the program summary. The "warning: current version" line of a foreign-version dump is
 * not printed: the output is the one for the file's own version.
 */
export function gcovDumpLines(model: GcdaFile | GcnoFile, filename: string): string[] {
  const version = gcdaVersion(model);
  const v = version.number;
  const ft = generationFeatures(v);
  const modern = v >= 80;
  const unit = ft.lengthInBytes ? 1 : 4;
  const out: string[] = [];
  const F = `${filename}:`;
  const prefix = (depth: number) => F + '    '.slice(0, 2 * depth);
  const pad = modern ? ' '.repeat(14) : '';
  const kinds = counterKinds(v);
  const isData = model.type === 'gcda';

  // gcov-dump prints the magic word as read before it knows the byte order: a swapped file
  // (big-endian on the little-endian hosts gcov-dump runs on) shows it reversed.
  const magic = isData ? 'gcda' : 'gcno';
  const swapped = model.byteOrder === 'big';
  out.push(`${F}${isData ? 'data' : 'note'}:magic \`${swapped ? [...magic].reverse().join('') : magic}':version \`${version.text}'${swapped ? ' (swapped endianness)' : ''}`);
  out.push(`${F}stamp ${model.stamp >>> 0}`);
  if (model.checksum !== null) out.push(`${F}checksum ${model.checksum >>> 0}`);
  if (model.type === 'gcno') {
    if (model.cwd !== undefined) out.push(`${F}cwd: ${model.cwd ?? '(null)'}`);
    if (model.unexecutedBlocks === 0) out.push(`${F} has_unexecuted_block is not supported`);
  }

  const line = (depth: number, tag: number, length: number, text: string) => {
    out.push(`${prefix(depth)}${hex(tag)}:${String(Math.abs(length)).padStart(4)}:${text}`);
  };
  /** A continuation line of -l output; in GCC 5-7 it carries no depth indent. */
  const cont = (depth: number) => (modern ? prefix(depth) + pad : F);

  const emitCounters = (rec: CountersRecord, depth: number) => {
    const n = rec.values.length;
    const name = kinds[rec.kind]?.name ?? `kind${rec.kind}`;
    const head = `COUNTERS ${name} ${n} counts${rec.compactZero ? ' (all zero)' : ''}`;
    const lines: string[] = [];
    let cur = '';
    for (let i = 0; i < n; i++) {
      if ((i & 7) === 0) {
        if (i) lines.push(cur);
        cur = modern ? `${cont(depth)}${String(i).padStart(2)}: ` : `${cont(depth)}\t\t${i}`;
      }
      cur += modern ? `${rec.values[i]} ` : ` ${rec.values[i]}`;
    }
    if (n) lines.push(cur);
    line(depth, counterTag(rec.kind), gcdaLengthField(rec, unit), head);
    out.push(...lines);
  };

  const emitRaw = (rec: RawRecord, depth: number) => {
    const kind = counterKindOfTag(rec.tag);
    const name = rec.tag === TAG_FUNCTION ? 'FUNCTION' : kind >= 0 ? `COUNTERS ${kinds[kind]?.name ?? `kind${kind}`}` : knownName(rec.tag) ?? 'UNKNOWN';
    line(depth, rec.tag, rec.length, name);
  };

  const emitGcda = (rec: GcdaRecord, depth: number) => {
    switch (rec.type) {
      case 'function':
        if (rec.placeholder) line(depth, TAG_FUNCTION, 0, 'FUNCTION placeholder');
        else {
          const cs = rec.cfgChecksum === null ? `, checksum=0x${hex(rec.linenoChecksum)}` : `, lineno_checksum=0x${hex(rec.linenoChecksum)}, cfg_checksum=0x${hex(rec.cfgChecksum)}`;
          line(depth, TAG_FUNCTION, gcdaLengthField(rec, unit), `FUNCTION ident=${rec.ident >>> 0}${cs}`);
        }
        for (const sub of rec.records) sub.type === 'counters' ? emitCounters(sub, depth + 1) : emitRaw(sub, depth + 1);
        return;
      case 'counters':
        return emitCounters(rec, depth);
      case 'raw':
        return emitRaw(rec, depth);
      case 'summary': {
        const name = rec.tag === TAG_OBJECT_SUMMARY ? 'OBJECT_SUMMARY' : 'PROGRAM_SUMMARY';
        if (rec.layout === 'runs') {
          line(depth, rec.tag, gcdaLengthField(rec, unit), `${name} runs=${rec.runs | 0}, sum_max=${rec.sumMax >>> 0}`);
        } else if (rec.layout === 'llvm-runs') {
          line(depth, rec.tag, gcdaLengthField(rec, unit), `${name} checksum=0x${hex(rec.checksum)}, counts=${rec.num}, runs=${rec.runs}`);
        } else {
          const a = rec.arcs;
          line(depth, rec.tag, gcdaLengthField(rec, unit), `${name} checksum=0x${hex(rec.checksum)}`);
          const c = modern ? prefix(depth) + pad : `${F}\t\t`;
          out.push(`${c}counts=${a.num}, runs=${a.runs}, sum_all=${a.sumAll}, run_max=${a.runMax}, sum_max=${a.sumMax}`);
          if (a.histogram) {
            out.push(`${c}counter histogram:`);
            for (const b of a.histogram) out.push(`${c}${b.index}: num counts=${b.num}, min counter=${b.min}, cum_counter=${b.cum}`);
          }
        }
        return;
      }
    }
  };

  const emitGcno = (rec: GcnoRecord, depth: number) => {
    switch (rec.type) {
      case 'function': {
        let text = `FUNCTION ident=${rec.ident >>> 0}, lineno_checksum=0x${hex(rec.linenoChecksum)}`;
        if (rec.cfgChecksum !== null) text += `, cfg_checksum=0x${hex(rec.cfgChecksum)}`;
        text += `, \`${rec.name ?? 'NULL'}'`;
        text += ` ${rec.source ?? 'NULL'}`;
        if (rec.startColumn !== null) {
          text += `:${rec.startLine}:${rec.startColumn}-${rec.endLine ?? 0}:${rec.endColumn ?? 0}`;
          if (rec.artificial) text += ', artificial';
        } else text += `:${rec.startLine}`;
        line(depth, TAG_FUNCTION, gcnoLengthField(rec, ft), text);
        for (const sub of rec.records) emitGcno(sub, depth + 1);
        return;
      }
      case 'blocks':
        if (ft.blocksAsCount) line(depth, TAG_BLOCKS, gcnoLengthField(rec, ft), `BLOCKS ${rec.count} blocks`);
        else {
          line(depth, TAG_BLOCKS, gcnoLengthField(rec, ft), `BLOCKS ${rec.count} blocks`);
          const flags = rec.flags ?? new Uint32Array(rec.count);
          let cur = '';
          for (let i = 0; i < flags.length; i++) {
            if ((i & 7) === 0) {
              if (i) out.push(cur);
              cur = modern ? `${cont(depth)}${String(i).padStart(2)}: ` : `${F}\t\t${i}`;
            }
            cur += ` ${flags[i]!.toString(16).padStart(4, '0')}`;
          }
          if (flags.length) out.push(cur);
        }
        return;
      case 'arcs': {
        const n = rec.arcs.length / 2;
        line(depth, TAG_ARCS, gcnoLengthField(rec, ft), `ARCS ${n} arcs`);
        let cur = '';
        for (let i = 0; i < n; i++) {
          if ((i & 3) === 0) {
            if (i) out.push(cur);
            cur = modern ? `${cont(depth)}block ${rec.block}:` : `${F}\tblock ${rec.block}:`;
          }
          const flags = rec.arcs[2 * i + 1]!;
          cur += ` ${rec.arcs[2 * i]}:${flags.toString(16).padStart(4, '0')}`;
          if (flags) {
            const names = [];
            if (flags & ARC_ON_TREE) names.push('tree');
            if (flags & ARC_FAKE) names.push('fake');
            if (flags & ARC_FALLTHROUGH) names.push('fall');
            cur += `(${names.join(',')})`;
          }
        }
        if (n) out.push(cur);
        return;
      }
      case 'lines': {
        line(depth, TAG_LINES, gcnoLengthField(rec, ft), 'LINES');
        let cur: string | null = null;
        let sep: string | null = null;
        const start = () => (modern ? `${cont(depth)}block ${rec.block}:` : `${F}\tblock ${rec.block}:`);
        for (const e of rec.entries) {
          if (typeof e === 'string') sep = null;
          if (sep === null) {
            if (cur !== null) out.push(cur);
            cur = start();
            sep = '';
          }
          if (typeof e === 'number') {
            cur += `${sep}${e}`;
            sep = ', ';
          } else {
            cur += `${sep}\`${e}'`;
            sep = ':';
          }
        }
        if (cur !== null) out.push(cur);
        return;
      }
      case 'conditions':
        line(depth, TAG_CONDS, gcnoLengthField(rec, ft), `CONDITIONS ${rec.words.length / 2} conditions`);
        return;
      case 'paths':
        line(depth, TAG_PATHS, gcnoLengthField(rec, ft), `PATHS ${rec.words.length} paths`);
        return;
      case 'raw':
        return emitRaw(rec, depth);
    }
  };

  if (model.type === 'gcda') for (const rec of model.records) emitGcda(rec, 1);
  else for (const rec of model.records) emitGcno(rec, rec.type === 'function' || rec.type === 'raw' ? depthOf(rec) : 2);
  return out;
}

function depthOf(rec: GcnoRecord): number {
  if (rec.type === 'raw') return (rec.tag & 0x00ffffff) === 0 ? 1 : 2;
  return 1;
}

function knownName(tag: number): string | undefined {
  switch (tag) {
    case TAG_BLOCKS:
      return 'BLOCKS';
    case TAG_ARCS:
      return 'ARCS';
    case TAG_LINES:
      return 'LINES';
    case TAG_OBJECT_SUMMARY:
      return 'OBJECT_SUMMARY';
    case TAG_PROGRAM_SUMMARY:
      return 'PROGRAM_SUMMARY';
    default:
      return undefined;
  }
}

/**
 * A buffer of dump text that hands out full chunks. Each chunk given to `sink` is a fresh
 * array the sink may keep (the buffer is not reused after it was handed out).
 */
export class DumpOutput {
  bytes: Uint8Array;
  pos = 0;
  private readonly sink: (chunk: Uint8Array) => void;
  private readonly chunkSize: number;

  constructor(sink: (chunk: Uint8Array) => void, chunkSize = 1 << 20) {
    this.sink = sink;
    this.chunkSize = chunkSize;
    this.bytes = new Uint8Array(chunkSize);
  }

  /** Makes room for `n` bytes, handing out what is buffered if need be. */
  room(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    this.flush();
    if (n > this.bytes.length) this.bytes = new Uint8Array(n);
  }

  /** Hands out everything buffered. */
  flush(): void {
    if (this.pos === 0) return;
    const full = this.bytes;
    const n = this.pos;
    this.bytes = new Uint8Array(Math.max(this.chunkSize, full.length));
    this.pos = 0;
    this.sink(n === full.length ? full : full.subarray(0, n));
  }

  /** Appends bytes. */
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }

  /** Appends text (UTF-8). */
  text(s: string): void {
    this.room(s.length * 3);
    this.pos += utf8Encoder.encodeInto(s, this.bytes.subarray(this.pos)).written;
  }
}

const utf8Encoder = new TextEncoder();
const SPACE = 0x20;
const HEX = new Uint8Array([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);
const ascii = (s: string) => utf8Encoder.encode(s);
const FUNCTION_IDENT = ascii('FUNCTION ident=');
const LINENO_CHECKSUM = ascii(', lineno_checksum=0x');
const CFG_CHECKSUM = ascii(', cfg_checksum=0x');
const COUNTERS = ascii('COUNTERS ');
const COUNTS = ascii(' counts');

/**
 * Writes what gcovDumpLines(model, filename) gives, one line per element and each ending in
 * a newline, into `out`: the same bytes as `gcovDumpLines(model, filename).join('\n') + '\n'`
 * in UTF-8. Function and counter records of GCC 8+ .gcda files, the bulk of any dump, are
 * formatted straight into bytes (counters without making BigInts); everything else goes
 * through gcovDumpLines.
 */
export function gcovDumpWrite(model: GcdaFile | GcnoFile, filename: string, out: DumpOutput): void {
  if (!fastDumpable(model)) {
    for (const line of gcovDumpLines(model, filename)) out.text(line + '\n');
    return;
  }
  const file = model as GcdaFile;
  const version = gcdaVersion(file);
  const unit = generationFeatures(version.number).lengthInBytes ? 1 : 4;
  const kinds = counterKinds(version.number);
  const F = `${filename}:`;
  const swapped = file.byteOrder === 'big';
  // The header lines of gcovDumpLines.
  out.text(`${F}data:magic \`${swapped ? 'adcg' : 'gcda'}':version \`${version.text}'${swapped ? ' (swapped endianness)' : ''}\n${F}stamp ${file.stamp >>> 0}\n`);
  if (file.checksum !== null) out.text(`${F}checksum ${file.checksum >>> 0}\n`);
  // Every line starts with "FILE:" and spaces: depth 1 and 2 lines with 2 and 4, counter value
  // lines with 14 more (views of one encoding of the name).
  const fsp = utf8Encoder.encode(F + ' '.repeat(18));
  const f = fsp.length - 18;
  const prefix1 = fsp.subarray(0, f + 2);
  const prefix2 = fsp.subarray(0, f + 4);
  const cont1 = fsp.subarray(0, f + 16);
  const cont2 = fsp;
  for (const rec of file.records) {
    if (rec.type === 'function') {
      writeFunctionLine(out, prefix1, rec, unit);
      const subs = rec.records as CountersRecord[];
      for (let i = 0; i < subs.length; i++) writeCountersLines(out, prefix2, cont2, subs[i]!, unit, kinds);
    } else if (rec.type === 'counters') writeCountersLines(out, prefix1, cont1, rec, unit, kinds);
    else if (rec.type === 'summary' && rec.layout === 'runs') {
      const name = rec.tag === TAG_OBJECT_SUMMARY ? 'OBJECT_SUMMARY' : 'PROGRAM_SUMMARY';
      out.text(`${F}  ${hex(rec.tag)}:${String(Math.abs(gcdaLengthField(rec, unit))).padStart(4)}:${name} runs=${rec.runs | 0}, sum_max=${rec.sumMax >>> 0}\n`);
    }
  }
}

/** GCC 8+ .gcda whose records are functions (no LLVM name), counters and GCC 9+ run summaries. */
function fastDumpable(model: GcdaFile | GcnoFile): boolean {
  if (model.type !== 'gcda') return false;
  const v = gcdaVersion(model).number;
  if (v < 80 || !HOST_LITTLE) return false;
  for (const rec of model.records) {
    if (rec.type === 'function') {
      if (rec.name !== undefined) return false;
      for (const sub of rec.records) if (sub.type !== 'counters') return false;
    } else if (rec.type === 'summary') {
      if (rec.layout !== 'runs') return false;
    } else if (rec.type !== 'counters') return false;
  }
  return true;
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function putBytes(o: Uint8Array, p: number, b: Uint8Array): number {
  if (b.length < 32) for (let i = 0; i < b.length; i++) o[p + i] = b[i]!;
  else o.set(b, p);
  return p + b.length;
}

function putHex8(o: Uint8Array, p: number, v: number): number {
  for (let i = 7; i >= 0; i--) {
    o[p + i] = HEX[v & 15]!;
    v >>>= 4;
  }
  return p + 8;
}

/** Decimal digits of a non-negative integer below 2^53. */
function putUint(o: Uint8Array, p: number, v: number): number {
  if (v < 10) {
    o[p] = 0x30 + v;
    return p + 1;
  }
  if (v <= 0x7fffffff) {
    // Small integer arithmetic.
    const n = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
    let x = v | 0;
    for (let i = p + n - 1; i >= p; i--) {
      const q = (x / 10) | 0;
      o[i] = 0x30 + (x - q * 10);
      x = q;
    }
    return p + n;
  }
  let n = 10;
  for (let x = 1e10; x <= v; x *= 10) n++;
  for (let i = p + n - 1; i >= p; i--) {
    const q = Math.floor(v / 10);
    o[i] = 0x30 + (v - q * 10);
    v = q;
  }
  return p + n;
}

/** `hex(tag):` then the absolute length padded to 4, then `:` (the line() layout). */
function putTagLength(o: Uint8Array, p: number, tag: number, length: number): number {
  p = putHex8(o, p, tag >>> 0);
  o[p++] = 0x3a;
  const len = Math.abs(length);
  const digits = len < 10 ? 1 : len < 100 ? 2 : len < 1000 ? 3 : 4;
  for (let i = digits; i < 4; i++) o[p++] = SPACE;
  p = putUint(o, p, len);
  o[p++] = 0x3a;
  return p;
}

function writeFunctionLine(out: DumpOutput, prefix: Uint8Array, rec: GcdaFunction, unit: 1 | 4): void {
  out.room(prefix.length + 128);
  const o = out.bytes;
  let p = putBytes(o, out.pos, prefix);
  if (rec.placeholder) {
    p = putTagLength(o, p, TAG_FUNCTION, 0);
    p = putBytes(o, p, ascii('FUNCTION placeholder'));
  } else {
    p = putTagLength(o, p, TAG_FUNCTION, gcdaLengthField(rec, unit));
    p = putBytes(o, p, FUNCTION_IDENT);
    p = putUint(o, p, rec.ident >>> 0);
    if (rec.cfgChecksum === null) {
      p = putBytes(o, p, ascii(', checksum=0x'));
      p = putHex8(o, p, rec.linenoChecksum >>> 0);
    } else {
      p = putBytes(o, p, LINENO_CHECKSUM);
      p = putHex8(o, p, rec.linenoChecksum >>> 0);
      p = putBytes(o, p, CFG_CHECKSUM);
      p = putHex8(o, p, rec.cfgChecksum >>> 0);
    }
  }
  o[p++] = 0x0a;
  out.pos = p;
}

/** The encoded names of a version's counter kinds, by kind index (one table per counterKinds() result). */
const kindNameBytes = new Map<ReturnType<typeof counterKinds>, Uint8Array[]>();

function kindName(kinds: ReturnType<typeof counterKinds>, kind: number): Uint8Array {
  let table = kindNameBytes.get(kinds);
  if (table === undefined) kindNameBytes.set(kinds, (table = []));
  return (table[kind] ??= ascii(kinds[kind]?.name ?? `kind${kind}`));
}
let wordsBuffer: ArrayBufferLike | null = null;
let wordsView: Int32Array = new Int32Array(0);

function writeCountersLines(
  out: DumpOutput,
  prefix: Uint8Array,
  cont: Uint8Array,
  rec: CountersRecord,
  unit: 1 | 4,
  kinds: ReturnType<typeof counterKinds>,
): void {
  const values = rec.values;
  const n = values.length;
  const nameBytes = kindName(kinds, rec.kind);
  out.room(prefix.length + 96);
  let o = out.bytes;
  let p = putBytes(o, out.pos, prefix);
  p = putTagLength(o, p, counterTag(rec.kind), gcdaLengthField(rec, unit));
  p = putBytes(o, p, COUNTERS);
  p = putBytes(o, p, nameBytes);
  o[p++] = SPACE;
  p = putUint(o, p, n);
  p = putBytes(o, p, COUNTS);
  if (rec.compactZero) p = putBytes(o, p, ascii(' (all zero)'));
  o[p++] = 0x0a;
  out.pos = p;
  if (n === 0) return;
  // The two 32-bit halves of each counter, read without making a BigInt (the counters of a
  // file share one buffer: one word view per buffer).
  const buffer = values.buffer;
  if (buffer !== wordsBuffer) {
    wordsBuffer = buffer;
    wordsView = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  const words = wordsView;
  const base = values.byteOffset >>> 2;
  for (let i = 0; i < n; i += 8) {
    // A line: prefix, index padded to 2, ": ", up to 8 values of at most 20 characters and a space.
    out.room(cont.length + 8 + 8 * 21 + 1);
    o = out.bytes;
    p = putBytes(o, out.pos, cont);
    if (i < 10) o[p++] = SPACE;
    p = putUint(o, p, i);
    o[p++] = 0x3a;
    o[p++] = SPACE;
    const end = Math.min(n, i + 8);
    for (let j = i; j < end; j++) {
      const lo = words[base + 2 * j]! >>> 0;
      const hi = words[base + 2 * j + 1]!;
      if (hi === 0) p = putUint(o, p, lo);
      else if (hi >= -0x200000 && hi < 0x200000) {
        // |value| < 2^53: exact as a double.
        const v = hi * 4294967296 + lo;
        if (v < 0) {
          o[p++] = 0x2d;
          p = putUint(o, p, -v);
        } else p = putUint(o, p, v);
      } else {
        const s = String(values[j]);
        for (let k = 0; k < s.length; k++) o[p++] = s.charCodeAt(k);
      }
      o[p++] = SPACE;
    }
    o[p++] = 0x0a;
    out.pos = p;
  }
}
