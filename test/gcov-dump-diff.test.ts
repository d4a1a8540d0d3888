import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeVersion, readGcovFile } from '../src/index.js';
import { readTar } from '../src/tree/tar.js';
import { runCli } from './helpers/cli.js';
import { CORPUS, FIXTURES, findFiles } from './helpers/paths.js';
import { haveTool } from './helpers/tools.js';

/** Files whose version is the one a given gcov-dump was built for (B13* = 11.3, B22* = 12.2 on Debian 12). */
function filesOfVersion(files: string[], text: string): string[] {
  return files.filter((f) => decodeVersion(readGcovFile(new Uint8Array(readFileSync(f)), f).version)?.text === text);
}

/** Dumps the files with both tools in one call each (run from `cwd` with relative names) and compares line by line. */
function compare(tool: string, cwd: string, files: string[]): void {
  const names = files.map((f) => relative(cwd, f));
  const expected = spawnSync(tool, ['-l', ...names], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  expect(expected.status).toBe(0);
  const actual = runCli('gcda-dump', names, { cwd });
  expect(actual.stderr).toBe('');
  expect(actual.status).toBe(0);
  const e = expected.stdout.split('\n');
  const a = actual.stdout.split('\n');
  // Report the first differing line with its neighbours rather than a huge diff.
  const first = e.findIndex((line, i) => line !== a[i]);
  if (first >= 0 || e.length !== a.length) {
    const at = first >= 0 ? first : Math.min(e.length, a.length);
    expect(a.slice(Math.max(0, at - 2), at + 3).join('\n')).toBe(e.slice(Math.max(0, at - 2), at + 3).join('\n'));
  }
  expect(a.length).toBe(e.length);
}

const fixtureFiles = findFiles(FIXTURES);
const corpusFiles = findFiles(CORPUS);
const tmp = mkdtempSync(join(tmpdir(), 'tarax-dump-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('gcda-dump matches gcov-dump -l of the same GCC version', () => {
  it('gcov-dump-11 on every GCC 11 fixture and corpus file', () => {
    if (!haveTool('gcov-dump-11', 'gcc-11')) return;
    const fx = fixtureFiles.filter((f) => relative(FIXTURES, f).startsWith('gcc-11/'));
    expect(fx.length).toBe(2 * (4 + 4 * 4));
    compare('gcov-dump-11', FIXTURES, fx);
    const cp = filesOfVersion(corpusFiles, 'B13*');
    expect(cp.length).toBe(4);
    compare('gcov-dump-11', CORPUS, cp);
  });

  it('gcov-dump-12 on every GCC 12 fixture (both byte orders) and corpus file', () => {
    if (!haveTool('gcov-dump-12', 'gcc-12')) return;
    const fx = fixtureFiles.filter((f) => /^(gcc-12|s390x-gcc-12)\//.test(relative(FIXTURES, f)));
    expect(fx.length).toBe(3 * (4 + 4 * 4));
    compare('gcov-dump-12', FIXTURES, fx);
    const cp = filesOfVersion(corpusFiles, 'B22*');
    expect(cp.length).toBe(4);
    compare('gcov-dump-12', CORPUS, cp);
  });

  it('gcov-dump-12 on the whole kernel harvest and its .gcno subset', () => {
    if (!haveTool('gcov-dump-12', 'gcc-12')) return;
    const root = join(tmp, 'kernel');
    const written: string[] = [];
    for (const t of ['harvest-A.tar.gz', 'gcno-subset.tar.gz']) {
      for (const e of readTar(new Uint8Array(readFileSync(join(FIXTURES, 'kernel', t))), t)) {
        if (e.type !== 'file') continue;
        const p = join(root, e.path);
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, e.data);
        written.push(p);
      }
    }
    expect(written.length).toBe(851 + 104);
    compare('gcov-dump-12', root, written.sort());
  });
});
