import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGcda, writeGcda, type CountersRecord, type GcdaFile } from '../src/index.js';
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
