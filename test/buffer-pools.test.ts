import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGcda, readGcno, writeGcda, writeGcno, type CountersRecord, type GcdaFile, type LinesRecord } from '../src/index.js';
import { readTar } from '../src/node.js';
import { FIXTURES } from './helpers/paths.js';

// The readers and writers share slabs between small files (src/model/buffers.ts): each
// result must still behave as if it had memory of its own.
const harvest = readTar(readFileSync(join(FIXTURES, 'kernel/harvest-A.tar.gz')), 'harvest-A')
  .filter((e) => e.type === 'file' && e.path.endsWith('.gcda'))
  .slice(0, 40);

function counters(m: GcdaFile): CountersRecord[] {
  return m.records.flatMap((r) => (r.type === 'function' ? r.records : [r])).filter((r): r is CountersRecord => r.type === 'counters');
}

describe('pooled buffers', () => {
  it('written files do not overlap: changing one leaves the others intact', () => {
    const models = harvest.map((e) => readGcda(e.data, { file: e.path }));
    const outs = models.map((m) => writeGcda(m));
    const copies = outs.map((o) => o.slice());
    for (const o of outs) o.fill(0xee);
    outs.forEach((o, i) => expect(o.length).toBe(harvest[i]!.data.length));
    const again = models.map((m) => writeGcda(m));
    again.forEach((o, i) => expect(Buffer.from(o).equals(Buffer.from(copies[i]!))).toBe(true));
    copies.forEach((c, i) => expect(Buffer.from(c).equals(Buffer.from(harvest[i]!.data))).toBe(true));
  });

  it('counters of different files do not overlap, and do not follow the input bytes', () => {
    const inputs = harvest.map((e) => e.data.slice());
    const models = inputs.map((b, i) => readGcda(b, { file: harvest[i]!.path }));
    for (const b of inputs) b.fill(0);
    models.forEach((m, i) => counters(m).forEach((c) => c.values.fill(BigInt(-1 - i))));
    models.forEach((m, i) => {
      expect(counters(m).length).toBe(counters(readGcda(harvest[i]!.data)).length);
      for (const c of counters(m)) expect(c.values.every((v) => v === BigInt(-1 - i))).toBe(true);
    });
  });
});

describe('shared results of the writers', () => {
  it('{ shared: true } gives the same bytes as a copy, in the writer\'s buffer that the next write reuses; a copy stays', () => {
    const models = harvest.map((e) => readGcda(e.data, { file: e.path }));
    const copies = models.map((m) => writeGcda(m));
    models.forEach((m, i) => expect(Buffer.from(writeGcda(m, { shared: true })).equals(Buffer.from(copies[i]!))).toBe(true));
    const first = writeGcda(models[0]!, { shared: true });
    const kept = first.slice();
    writeGcda(models[1]!, { shared: true });
    expect(Buffer.from(first).equals(Buffer.from(kept)), 'the next write reuses the shared buffer').toBe(false);
    copies.forEach((c, i) => expect(Buffer.from(c).equals(Buffer.from(harvest[i]!.data))).toBe(true));
    const notes = readFileSync(join(FIXTURES, 'gcc-12/coverage/dispatch.gcno'));
    expect(Buffer.from(writeGcno(readGcno(notes), { shared: true })).equals(notes)).toBe(true);
  });
});

describe('shared state of the readers', () => {
  it('a file the fast reader gives up on does not take or overlap the counter space of the files around it', () => {
    const inputs = harvest.slice(0, 10).map((e) => e.data);
    // Cut inside the last record: the one-pass reader reserves slab space, decodes most of
    // the file, then falls back to the general reader, which throws.
    const damaged = inputs[3]!.slice(0, inputs[3]!.length - 6);
    const models: GcdaFile[] = [];
    for (const [i, b] of inputs.entries()) {
      if (i === 5) expect(() => readGcda(damaged, { file: 'damaged.gcda' })).toThrow(/damaged\.gcda: at byte \d+/);
      models.push(readGcda(b, { file: harvest[i]!.path }));
    }
    models.forEach((m, i) => counters(m).forEach((c) => c.values.fill(BigInt(100 + i))));
    models.forEach((m, i) => {
      for (const c of counters(m)) expect(c.values.every((v) => v === BigInt(100 + i))).toBe(true);
    });
  });

  it('the cache of decoded strings gives every string back exactly, across files and when it starts over', () => {
    // A real GCC 12 notes file, its LINES records given 20,000 distinct file names (more than
    // the cache holds, so it starts over while the file is read), some of them non-ASCII and
    // some differing only in their last byte.
    const bytes = readFileSync(join(FIXTURES, 'gcc-12/coverage/dispatch.gcno'));
    const model = readGcno(bytes, { file: 'dispatch.gcno' });
    const lines = model.records.flatMap((r) => (r.type === 'function' ? r.records : [])).filter((r): r is LinesRecord => r.type === 'lines');
    expect(lines.length).toBeGreaterThan(0);
    let k = 0;
    const big: LinesRecord[] = [];
    for (let i = 0; i < 20000; i++) {
      const name = i % 3 === 0 ? `src/ünïcode-${i}.c` : `src/dir/file-${String(i).padStart(6, '0')}.c`;
      big.push({ type: 'lines', block: i, entries: [name, 1 + (i % 50), name.slice(0, -1) + 'h', 7] });
      k++;
    }
    const fn = model.records.find((r) => r.type === 'function')!;
    if (fn.type !== 'function') throw new Error('no function');
    fn.records.push(...big);
    const written = writeGcno(model);
    for (let pass = 0; pass < 2; pass++) {
      const again = readGcno(written, { file: 'big.gcno' });
      const fnAgain = again.records.find((r) => r.type === 'function')!;
      if (fnAgain.type !== 'function') throw new Error('no function');
      const got = fnAgain.records.slice(-k) as LinesRecord[];
      const differs = got.findIndex((r, i) => r.block !== big[i]!.block || r.entries.length !== 4 || r.entries.some((e, j) => e !== big[i]!.entries[j]));
      expect(differs, `record ${differs}: ${JSON.stringify(got[differs])}`).toBe(-1);
      expect(Buffer.from(writeGcno(again)).equals(Buffer.from(written))).toBe(true);
    }
  });
});
