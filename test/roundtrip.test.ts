import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromJson, readGcovFile, toJson, writeGcovFile } from '../src/index.js';
import { readTar } from '../src/tree/tar.js';
import { runCli } from './helpers/cli.js';
import { CORPUS, FIXTURES, findFiles } from './helpers/paths.js';

const corpusFiles = findFiles(CORPUS);
const fixtureFiles = findFiles(FIXTURES);
const tarballs = ['kernel/harvest-A.tar.gz', 'kernel/harvest-B.tar.gz', 'kernel/gcno-subset.tar.gz'].map((p) => join(FIXTURES, p));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function roundTrip(bytes: Uint8Array, label: string): void {
  const model = readGcovFile(bytes, label);
  expect(sameBytes(writeGcovFile(model), bytes), `${label}: binary round trip`).toBe(true);
  const json = JSON.parse(JSON.stringify(toJson(model)));
  expect(sameBytes(writeGcovFile(fromJson(json)), bytes), `${label}: JSON round trip`).toBe(true);
}

describe('lossless round trip', () => {
  it('finds the shared corpus and the fixtures', () => {
    // The corpus README lists 150 gcov files; fixtures hold 6 builds with notes and 4 runs each.
    expect(corpusFiles.length).toBe(150);
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(6 * 4 * 5);
  });

  it.each(corpusFiles.map((f) => [relative(CORPUS, f), f]))('corpus %s', (_name, path) => {
    roundTrip(new Uint8Array(readFileSync(path)), path);
  });

  it.each(fixtureFiles.map((f) => [relative(FIXTURES, f), f]))('fixture %s', (_name, path) => {
    roundTrip(new Uint8Array(readFileSync(path)), path);
  });

  it.each(tarballs.map((t) => [relative(FIXTURES, t), t]))('every member of %s', (_name, path) => {
    const entries = readTar(new Uint8Array(readFileSync(path)), path).filter((e) => e.type === 'file');
    expect(entries.length).toBeGreaterThan(100);
    for (const e of entries) roundTrip(e.data, `${path}:${e.path}`);
  });

  it('gcda-rewrite mirrors every corpus file, fixture and harvest byte-identically', () => {
    const out = mkdtempSync(join(tmpdir(), 'tarax-rewrite-'));
    try {
      const r = runCli('gcda-rewrite', [CORPUS, FIXTURES, tarballs[0]!, '-o', out, '--check']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // Every output file equals its input.
      for (const f of corpusFiles) {
        expect(sameBytes(readFileSync(join(out, relative(CORPUS, f))), readFileSync(f)), f).toBe(true);
      }
      for (const f of fixtureFiles) {
        expect(sameBytes(readFileSync(join(out, relative(FIXTURES, f))), readFileSync(f)), f).toBe(true);
      }
      const member = readTar(new Uint8Array(readFileSync(tarballs[0]!)), 'A').find((e) => e.path.endsWith('kernel/sched/core.gcda'))!;
      const rel = member.path.replace(/^\.\//, '');
      expect(sameBytes(readFileSync(join(out, rel)), member.data)).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('gcda-rewrite -j 2 (a helper thread reads and writes part of the files) gives the same bytes', () => {
    const out = mkdtempSync(join(tmpdir(), 'tarax-rewrite-j2-'));
    try {
      const r = runCli('gcda-rewrite', [CORPUS, FIXTURES, '-o', out, '--check', '-j', '2']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const f of corpusFiles) expect(sameBytes(readFileSync(join(out, relative(CORPUS, f))), readFileSync(f)), f).toBe(true);
      for (const f of fixtureFiles) expect(sameBytes(readFileSync(join(out, relative(FIXTURES, f))), readFileSync(f)), f).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
