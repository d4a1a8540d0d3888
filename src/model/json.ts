import { counterKinds } from '../format/tags.js';
import { decodeVersion, versionWord } from '../format/version.js';
import type { HistogramBucket } from '../format/summary-codec.js';
import type { RawRecord } from './common.js';
import type { CountersRecord, GcdaFile, GcdaFunction, GcdaRecord } from './gcda.js';
import type { GcnoFile, GcnoFunction, GcnoFunctionChild, GcnoRecord } from './gcno.js';
import type { GcovFile } from './gcov-file.js';

/**
 * The JSON form of the model (docs/json.md). 64-bit values are decimal strings, byte
 * strings are lower-case hex; everything else is a JSON number or string. fromJson(toJson(m))
 * writes back the same bytes as m.
 */
export const JSON_FORMAT = 'tarax-gcov';
export const JSON_FORMAT_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
function fromHex(s: string, where: string): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 || /[^0-9a-f]/i.test(s)) throw new SyntaxError(`${where}: expected a hex string`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function rawJson(r: RawRecord): Obj {
  return { type: 'raw', tag: r.tag, length: r.length, payload: toHex(r.payload) };
}

function bucketJson(b: HistogramBucket): Obj {
  return { index: b.index, num: b.num, min: b.min.toString(), cum: b.cum.toString() };
}

function countersJson(r: CountersRecord, names: readonly { name: string }[]): Obj {
  const values: string[] = new Array(r.values.length);
  for (let i = 0; i < r.values.length; i++) values[i] = r.values[i]!.toString();
  return { type: 'counters', kind: r.kind, name: names[r.kind]?.name ?? null, compactZero: r.compactZero, values };
}

function gcdaRecordJson(r: GcdaRecord, names: readonly { name: string }[]): Obj {
  switch (r.type) {
    case 'function': {
      const o: Obj = { type: 'function', ident: r.ident, linenoChecksum: r.linenoChecksum, cfgChecksum: r.cfgChecksum, placeholder: r.placeholder };
      if (r.name !== undefined) o['name'] = r.name;
      o['records'] = r.records.map((s) => (s.type === 'raw' ? rawJson(s) : countersJson(s, names)));
      return o;
    }
    case 'counters':
      return countersJson(r, names);
    case 'raw':
      return rawJson(r);
    case 'summary':
      if (r.layout === 'runs') return { type: 'summary', layout: r.layout, tag: r.tag, runs: r.runs, sumMax: r.sumMax };
      if (r.layout === 'llvm-runs') return { type: 'summary', layout: r.layout, tag: r.tag, checksum: r.checksum, num: r.num, runs: r.runs };
      return {
        type: 'summary',
        layout: r.layout,
        tag: r.tag,
        checksum: r.checksum,
        arcs: {
          num: r.arcs.num,
          runs: r.arcs.runs,
          sumAll: r.arcs.sumAll.toString(),
          runMax: r.arcs.runMax.toString(),
          sumMax: r.arcs.sumMax.toString(),
          histogram: r.arcs.histogram ? r.arcs.histogram.map(bucketJson) : null,
        },
      };
  }
}

function gcnoRecordJson(r: GcnoRecord): Obj {
  switch (r.type) {
    case 'function':
      return {
        type: 'function',
        ident: r.ident,
        linenoChecksum: r.linenoChecksum,
        cfgChecksum: r.cfgChecksum,
        name: r.name,
        artificial: r.artificial,
        source: r.source,
        startLine: r.startLine,
        startColumn: r.startColumn,
        endLine: r.endLine,
        endColumn: r.endColumn,
        records: r.records.map(gcnoRecordJson),
      };
    case 'blocks':
      return { type: 'blocks', count: r.count, flags: r.flags ? Array.from(r.flags) : null };
    case 'arcs': {
      const arcs: Json[] = [];
      for (let i = 0; i < r.arcs.length; i += 2) arcs.push([r.arcs[i]!, r.arcs[i + 1]!]);
      return { type: 'arcs', block: r.block, arcs };
    }
    case 'lines':
      return { type: 'lines', block: r.block, entries: r.entries };
    case 'conditions':
    case 'paths':
      return { type: r.type, words: Array.from(r.words) };
    case 'raw':
      return rawJson(r);
  }
}

export function toJson(model: GcovFile): Obj {
  const version = decodeVersion(model.version);
  const common: Obj = {
    format: JSON_FORMAT,
    formatVersion: JSON_FORMAT_VERSION,
    kind: model.type,
    byteOrder: model.byteOrder,
    version: version?.text ?? '',
    stamp: model.stamp,
    checksum: model.checksum,
  };
  if (model.type === 'gcda') {
    const names = counterKinds(version?.number ?? 0);
    return { ...common, records: model.records.map((r) => gcdaRecordJson(r, names)), trailer: toHex(model.trailer) };
  }
  const o: Obj = { ...common };
  if (model.cwd !== undefined) o['cwd'] = model.cwd;
  o['unexecutedBlocks'] = model.unexecutedBlocks;
  o['records'] = model.records.map(gcnoRecordJson);
  o['trailer'] = toHex(model.trailer);
  return o;
}

// ---- reading JSON back -------------------------------------------------------------

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SyntaxError(`${where}: expected an object`);
  return v as Record<string, unknown>;
}
function u32(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new SyntaxError(`${where}: expected an unsigned 32-bit integer`);
  return v;
}
function i32(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new SyntaxError(`${where}: expected a signed 32-bit integer`);
  return v;
}
function nullableU32(v: unknown, where: string): number | null {
  return v === null ? null : u32(v, where);
}
function str(v: unknown, where: string): string | null {
  if (v !== null && typeof v !== 'string') throw new SyntaxError(`${where}: expected a string or null`);
  return v;
}
function big(v: unknown, where: string): bigint {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new SyntaxError(`${where}: expected a decimal string`);
  const b = BigInt(v);
  if (b !== BigInt.asIntN(64, b)) throw new SyntaxError(`${where}: ${v} does not fit in 64 signed bits`);
  return b;
}
function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new SyntaxError(`${where}: expected an array`);
  return v;
}
function words(v: unknown, where: string): Uint32Array {
  return Uint32Array.from(arr(v, where), (x, i) => u32(x, `${where}[${i}]`));
}

function rawFrom(o: Record<string, unknown>, where: string): RawRecord {
  return { type: 'raw', tag: u32(o['tag'], `${where}.tag`), length: i32(o['length'], `${where}.length`), payload: fromHex(o['payload'] as string, `${where}.payload`) };
}

function countersFrom(o: Record<string, unknown>, where: string): CountersRecord {
  const vals = arr(o['values'], `${where}.values`);
  const values = new BigInt64Array(vals.length);
  vals.forEach((x, i) => (values[i] = big(x, `${where}.values[${i}]`)));
  return { type: 'counters', kind: u32(o['kind'], `${where}.kind`), values, compactZero: o['compactZero'] === true };
}

function gcdaRecordFrom(v: unknown, where: string): GcdaRecord {
  const o = obj(v, where);
  switch (o['type']) {
    case 'function': {
      const f: GcdaFunction = {
        type: 'function',
        ident: u32(o['ident'], `${where}.ident`),
        linenoChecksum: u32(o['linenoChecksum'], `${where}.linenoChecksum`),
        cfgChecksum: nullableU32(o['cfgChecksum'], `${where}.cfgChecksum`),
        placeholder: o['placeholder'] === true,
        records: arr(o['records'] ?? [], `${where}.records`).map((s, i) => {
          const so = obj(s, `${where}.records[${i}]`);
          return so['type'] === 'raw' ? rawFrom(so, `${where}.records[${i}]`) : countersFrom(so, `${where}.records[${i}]`);
        }),
      };
      if ('name' in o) f.name = str(o['name'], `${where}.name`);
      return f;
    }
    case 'counters':
      return countersFrom(o, where);
    case 'raw':
      return rawFrom(o, where);
    case 'summary': {
      const tag = u32(o['tag'], `${where}.tag`);
      if (o['layout'] === 'runs') return { type: 'summary', layout: 'runs', tag, runs: u32(o['runs'], `${where}.runs`), sumMax: u32(o['sumMax'], `${where}.sumMax`) };
      if (o['layout'] === 'llvm-runs')
        return { type: 'summary', layout: 'llvm-runs', tag, checksum: u32(o['checksum'], `${where}.checksum`), num: u32(o['num'], `${where}.num`), runs: u32(o['runs'], `${where}.runs`) };
      if (o['layout'] !== 'counters') throw new SyntaxError(`${where}.layout: unknown summary layout`);
      const a = obj(o['arcs'], `${where}.arcs`);
      const h = a['histogram'];
      return {
        type: 'summary',
        layout: 'counters',
        tag,
        checksum: u32(o['checksum'], `${where}.checksum`),
        arcs: {
          num: u32(a['num'], `${where}.arcs.num`),
          runs: u32(a['runs'], `${where}.arcs.runs`),
          sumAll: big(a['sumAll'], `${where}.arcs.sumAll`),
          runMax: big(a['runMax'], `${where}.arcs.runMax`),
          sumMax: big(a['sumMax'], `${where}.arcs.sumMax`),
          histogram:
            h === null || h === undefined
              ? null
              : arr(h, `${where}.arcs.histogram`).map((b, i) => {
                  const bo = obj(b, `${where}.arcs.histogram[${i}]`);
                  const w = `${where}.arcs.histogram[${i}]`;
                  const index = u32(bo['index'], `${w}.index`);
                  if (index >= 252) throw new SyntaxError(`${w}.index: must be below 252`);
                  return { index, num: u32(bo['num'], `${w}.num`), min: big(bo['min'], `${w}.min`), cum: big(bo['cum'], `${w}.cum`) };
                }),
        },
      };
    }
    default:
      throw new SyntaxError(`${where}.type: unknown record type ${JSON.stringify(o['type'])}`);
  }
}

function gcnoRecordFrom(v: unknown, where: string): GcnoRecord {
  const o = obj(v, where);
  switch (o['type']) {
    case 'function': {
      const f: GcnoFunction = {
        type: 'function',
        ident: u32(o['ident'], `${where}.ident`),
        linenoChecksum: u32(o['linenoChecksum'], `${where}.linenoChecksum`),
        cfgChecksum: nullableU32(o['cfgChecksum'], `${where}.cfgChecksum`),
        name: str(o['name'], `${where}.name`),
        artificial: nullableU32(o['artificial'], `${where}.artificial`),
        source: str(o['source'], `${where}.source`),
        startLine: u32(o['startLine'], `${where}.startLine`),
        startColumn: nullableU32(o['startColumn'], `${where}.startColumn`),
        endLine: nullableU32(o['endLine'], `${where}.endLine`),
        endColumn: nullableU32(o['endColumn'], `${where}.endColumn`),
        records: [],
      };
      f.records = arr(o['records'] ?? [], `${where}.records`).map((s, i) => gcnoRecordFrom(s, `${where}.records[${i}]`) as GcnoFunctionChild);
      return f;
    }
    case 'blocks': {
      const flags = o['flags'] === null || o['flags'] === undefined ? null : words(o['flags'], `${where}.flags`);
      return { type: 'blocks', count: flags ? flags.length : u32(o['count'], `${where}.count`), flags };
    }
    case 'arcs': {
      const pairs = arr(o['arcs'], `${where}.arcs`);
      const arcs: number[] = new Array(pairs.length * 2);
      pairs.forEach((p, i) => {
        const pa = arr(p, `${where}.arcs[${i}]`);
        arcs[2 * i] = u32(pa[0], `${where}.arcs[${i}][0]`);
        arcs[2 * i + 1] = u32(pa[1], `${where}.arcs[${i}][1]`);
      });
      return { type: 'arcs', block: u32(o['block'], `${where}.block`), arcs };
    }
    case 'lines':
      return {
        type: 'lines',
        block: u32(o['block'], `${where}.block`),
        entries: arr(o['entries'], `${where}.entries`).map((e, i) => {
          if (typeof e === 'string') return e;
          const n = u32(e, `${where}.entries[${i}]`);
          if (n === 0) throw new SyntaxError(`${where}.entries[${i}]: line 0 cannot be written (0 introduces a file name)`);
          return n;
        }),
      };
    case 'conditions':
    case 'paths':
      return { type: o['type'], words: words(o['words'], `${where}.words`) };
    case 'raw':
      return rawFrom(o, where);
    default:
      throw new SyntaxError(`${where}.type: unknown record type ${JSON.stringify(o['type'])}`);
  }
}

/** Reads the JSON form back into the model. Throws SyntaxError naming the JSON path on bad input. */
export function fromJson(doc: unknown): GcovFile {
  const o = obj(doc, '$');
  if (o['format'] !== JSON_FORMAT) throw new SyntaxError(`$.format: expected "${JSON_FORMAT}"`);
  if (o['formatVersion'] !== JSON_FORMAT_VERSION) throw new SyntaxError(`$.formatVersion: expected ${JSON_FORMAT_VERSION}`);
  const byteOrder = o['byteOrder'];
  if (byteOrder !== 'little' && byteOrder !== 'big') throw new SyntaxError('$.byteOrder: expected "little" or "big"');
  const vtext = o['version'];
  if (typeof vtext !== 'string' || vtext.length !== 4 || !decodeVersion(versionWord(vtext))) throw new SyntaxError('$.version: expected a 4-character gcov version such as "B22*"');
  const version = versionWord(vtext);
  const stamp = u32(o['stamp'], '$.stamp');
  const checksum = nullableU32(o['checksum'], '$.checksum');
  const trailer = fromHex((o['trailer'] ?? '') as string, '$.trailer');
  const records = arr(o['records'], '$.records');
  if (o['kind'] === 'gcda') {
    const file: GcdaFile = { type: 'gcda', byteOrder, version, stamp, checksum, records: records.map((r, i) => gcdaRecordFrom(r, `$.records[${i}]`)), trailer };
    return file;
  }
  if (o['kind'] === 'gcno') {
    const file: GcnoFile = {
      type: 'gcno',
      byteOrder,
      version,
      stamp,
      checksum,
      unexecutedBlocks: nullableU32(o['unexecutedBlocks'] ?? null, '$.unexecutedBlocks'),
      records: records.map((r, i) => gcnoRecordFrom(r, `$.records[${i}]`)),
      trailer,
    };
    if ('cwd' in o) file.cwd = str(o['cwd'], '$.cwd');
    return file;
  }
  throw new SyntaxError('$.kind: expected "gcda" or "gcno"');
}
