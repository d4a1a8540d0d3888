import { hex } from '../format/records.js';
import { counterKindOfTag, counterTag, TAG_ARCS, TAG_BLOCKS, TAG_CONDS, TAG_FUNCTION, TAG_LINES, TAG_OBJECT_SUMMARY, TAG_PATHS, TAG_PROGRAM_SUMMARY, counterKinds, ARC_ON_TREE, ARC_FAKE, ARC_FALLTHROUGH } from '../format/tags.js';
import { generationFeatures } from '../format/version.js';
import type { RawRecord } from './common.js';
import { gcdaLengthField, gcdaVersion, type CountersRecord, type GcdaFile, type GcdaRecord } from './gcda.js';
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
