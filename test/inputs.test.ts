/**
 * tree/inputs: MatchedInputs, the compact index gcda-merge keeps of many inputs, must give
 * for every object exactly the file collectInputs found (path, source, relative path, bytes),
 * for directory trees (held as a bitmap), tarballs and single files (held as objects).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArenaReader, collectInputs, MatchedInputs } from '../src/tree/inputs.js';
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

  it('addTree walks a directory into its bitmap with the same files, paths and skips as collectInputs; idsOf and pathOf agree', async () => {
    const dirs = [join(FIXTURES, 'gcc-12/coverage/run1'), relative(process.cwd(), join(FIXTURES, 'gcc-11')) + '/', FIXTURES];
    const viaAdd = new MatchedInputs();
    const viaTree = new MatchedInputs();
    for (const [i, dir] of dirs.entries()) {
      const { files, skipped } = await collectInputs([dir], { extensions: ['.gcda'] });
      viaAdd.add(dir, files);
      const treeSkipped: Array<{ source: string; reason: string }> = [];
      expect(viaTree.addTree(dir, ['.gcda'], treeSkipped)).toBe(i);
      expect(treeSkipped).toEqual(skipped);
      expect(viaTree.names).toEqual(viaAdd.names);
      const ids = viaTree.idsOf(i);
      expect(ids.map((id) => viaTree.names[id]!)).toEqual(files.map((f) => f.relPath).sort());
      for (const id of ids) {
        const f = viaTree.file(i, id)!;
        expect(f).toMatchObject({ relPath: viaAdd.file(i, id)!.relPath, path: viaAdd.file(i, id)!.path, source: viaAdd.file(i, id)!.source });
        expect(viaTree.pathOf(i, id)).toBe(f.path);
      }
      for (let id = 0; id < viaTree.names.length; id++) if (!ids.includes(id)) expect(viaTree.pathOf(i, id)).toBeUndefined();
    }
  });
});

describe('ArenaReader', () => {
  it('keeps every file it read, each at an 8-byte boundary, across chunks and for files larger than a chunk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarax-arena-'));
    try {
      // sizes around a 64-byte chunk: empty, small, exactly a chunk, larger than two
      const sizes = [0, 1, 7, 8, 63, 64, 65, 200, 3, 129, 64, 5];
      const paths = sizes.map((n, i) => {
        const p = join(dir, `f${i}`);
        writeFileSync(p, Uint8Array.from({ length: n }, (_, k) => (k * 31 + i) & 0xff));
        return p;
      });
      const arena = new ArenaReader(64);
      const views = paths.map((p) => arena.readPath(p));
      views.forEach((v, i) => {
        expect(hex(v), paths[i]).toBe(hex(new Uint8Array(readFileSync(paths[i]!))));
        expect(v.byteOffset % 8).toBe(0);
      });
      const { files } = await collectInputs([join(FIXTURES, 'gcc-12/coverage/run1')], { extensions: ['.gcda'] });
      const big = new ArenaReader();
      const kept = [];
      for (const f of files) kept.push(await big.read(f));
      kept.forEach((v, i) => expect(hex(v)).toBe(hex(new Uint8Array(readFileSync(files[i]!.path!)))));
      expect(() => arena.readPath(join(dir, 'missing'))).toThrow(/missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
