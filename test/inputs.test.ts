/**
 * tree/inputs: MatchedInputs, the compact index gcda-merge keeps of many inputs, must give
 * for every object exactly the file collectInputs found (path, source, relative path, bytes),
 * for directory trees (held as a bitmap), tarballs and single files (held as objects).
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInputs, MatchedInputs } from '../src/tree/inputs.js';
import { FIXTURES } from './helpers/paths.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('MatchedInputs', () => {
  it('gives each input its own files by relative path, and nothing for a path it lacks', async () => {
    const inputs = [
      join(FIXTURES, 'gcc-12/coverage/run1'),
      join(FIXTURES, 'gcc-12/profile-generate/run1'),
      // a relative path with a trailing separator, as a user types it
      relative(process.cwd(), join(FIXTURES, 'gcc-11/coverage')) + '/',
      join(FIXTURES, 'kernel/harvest-A.tar.gz'),
      join(FIXTURES, 'gcc-12/coverage/run2/main.gcda'),
    ];
    const matched = new MatchedInputs();
    const collected = [];
    for (const input of inputs) {
      const { files } = await collectInputs([input], { extensions: ['.gcda'] });
      expect(files.length).toBeGreaterThan(0);
      expect(matched.add(input, files)).toBe(collected.length);
      collected.push(files);
    }
    for (let i = 0; i < inputs.length; i++) {
      const files = collected[i]!;
      expect(matched.count(i)).toBe(files.length);
      const own = new Set(files.map((f) => f.relPath));
      for (const f of files) {
        const got = matched.file(i, matched.number(f.relPath))!;
        expect(got.relPath).toBe(f.relPath);
        expect(got.source).toBe(f.source);
        expect(got.path).toBe(f.path);
        expect(hex(await got.read())).toBe(hex(await f.read()));
        if (f.path) expect(hex(await got.read())).toBe(hex(new Uint8Array(readFileSync(f.path))));
      }
      for (let id = 0; id < matched.names.length; id++) {
        if (!own.has(matched.names[id]!)) expect(matched.file(i, id)).toBeUndefined();
      }
    }
    // the three directories are held compactly, the tarball and the single file as objects
    const held = (matched as unknown as { inputs: object[] }).inputs.map((x) => ('has' in x ? 'bitmap' : 'objects'));
    expect(held).toEqual(['bitmap', 'bitmap', 'bitmap', 'objects', 'objects']);
    // the gcc-12 runs share object names: one number each
    expect(matched.names.filter((n) => n === 'main.gcda').length).toBe(1);
    const sorted = matched.sorted().map((id) => matched.names[id]!);
    expect(sorted).toEqual([...matched.names].sort());
  });
});
