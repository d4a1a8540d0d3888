import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DumpOutput, gcovDumpLines, gcovDumpWrite, readGcovFile, type CountersRecord } from '../src/index.js';
import { CORPUS, FIXTURES, findFiles } from './helpers/paths.js';

// gcovDumpWrite formats the common records straight into bytes: it must give exactly the
// text of gcovDumpLines (which test/gcov-dump-diff checks against gcov-dump itself).
function viaWrite(model: ReturnType<typeof readGcovFile>, name: string, chunk: number): string {
  const parts: Uint8Array[] = [];
  const out = new DumpOutput((c) => parts.push(c), chunk);
  gcovDumpWrite(model, name, out);
  out.flush();
  return Buffer.concat(parts).toString('utf8');
}

describe('gcovDumpWrite', () => {
  const files = [...findFiles(FIXTURES), ...findFiles(CORPUS)];
  it('gives the text of gcovDumpLines for every fixture and corpus file', () => {
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const model = readGcovFile(new Uint8Array(readFileSync(f)), f);
      const expected = gcovDumpLines(model, f).join('\n') + '\n';
      expect(viaWrite(model, f, 1 << 20), f).toBe(expected);
      expect(viaWrite(model, f, 256), f).toBe(expected);
    }
  });

  it('formats every 64-bit counter value and non-ASCII names exactly', () => {
    const f = findFiles(FIXTURES).find((x) => x.endsWith('.gcda') && /gcc-12\//.test(x))!;
    const model = readGcovFile(new Uint8Array(readFileSync(f)), f);
    expect(model.type).toBe('gcda');
    const rec = model.records.flatMap((r) => (r.type === 'function' ? r.records : [r])).find((r) => r.type === 'counters') as CountersRecord;
    const special = [0n, 1n, 9n, 10n, 99n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, -1n, -(2n ** 31n), -(2n ** 32n), -(2n ** 53n) + 1n, -(2n ** 53n), -(2n ** 63n), 1234567890123n];
    rec.values = BigInt64Array.from(special);
    rec.compactZero = false;
    const name = 'dír/ünïcode ✓.gcda';
    expect(viaWrite(model, name, 1 << 20)).toBe(gcovDumpLines(model, name).join('\n') + '\n');
  });
});
