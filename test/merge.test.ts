/**
 * gcda-merge against its oracles: libgcov's own in-place accumulation of three runs
 * (gcc-11, gcc-12, big-endian s390x, clang-16), the same from summary-less runs with
 * --summarize, and gcov-tool merge/rewrite of the same GCC. Mismatch policies and bad input.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScale, readGcda, scaleGcda, writeGcda, type GcdaFile, type GcdaFunction } from '../src/index.js';
import { readTar } from '../src/node.js';
import { runCli } from './helpers/cli.js';
import { FIXTURES, REPO } from './helpers/paths.js';
import { haveTool } from './helpers/tools.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tarax-merge-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const read = (p: string) => new Uint8Array(readFileSync(p));
const gcdas = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.gcda')).sort();

function expectSameTree(actual: string, expected: string): void {
  expect(gcdas(actual)).toEqual(gcdas(expected));
  for (const n of gcdas(expected)) expect(hex(read(join(actual, n))), n).toBe(hex(read(join(expected, n))));
}

/** Writes the run's files with their summary records removed (as a kernel-like export). */
function stripped(runDir: string, into: string): string {
  mkdirSync(into, { recursive: true });
  for (const n of gcdas(runDir)) {
    const f = readGcda(read(join(runDir, n)), { file: n });
    writeFileSync(join(into, n), writeGcda({ ...f, records: f.records.filter((r) => r.type !== 'summary') }));
  }
  return into;
}

const BUILDS = ['gcc-12/profile-generate', 'gcc-12/coverage', 'gcc-11/profile-generate', 'gcc-11/coverage', 's390x-gcc-12/profile-generate'];

describe('libgcov oracle: gcda-merge run1 run2 run3 equals the in-place accumulation', () => {
  for (const build of BUILDS) {
    it(build, () => {
      const d = join(FIXTURES, build);
      const out = join(tmp, 'acc', build);
      const r = runCli('gcda-merge', [join(d, 'run1'), join(d, 'run2'), join(d, 'run3'), '-o', out]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/3 inputs, 4 objects, version '.*', runs 3/);
      expectSameTree(out, join(d, 'accumulated'));
    });
    it(`${build}: with helper threads reading and writing (-j 2, -j 3), and a tarball among the inputs`, () => {
      const d = join(FIXTURES, build);
      for (const j of ['2', '3']) {
        const out = join(tmp, `acc-j${j}`, build);
        const r = runCli('gcda-merge', [join(d, 'run1'), join(d, 'run2'), join(d, 'run3'), '-o', out, '-j', j]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expectSameTree(out, join(d, 'accumulated'));
      }
      const tar = join(tmp, 'tars-j', build.replace('/', '-'), 'run2.tar');
      mkdirSync(join(tar, '..'), { recursive: true });
      expect(spawnSync('tar', ['-cf', tar, '-C', join(d, 'run2'), '.']).status).toBe(0);
      const out = join(tmp, 'acc-j2-tar', build);
      const r = runCli('gcda-merge', [join(d, 'run1'), tar, join(d, 'run3'), '-o', out, '-j', '2']);
      expect(r.status, r.stderr).toBe(0);
      expectSameTree(out, join(d, 'accumulated'));
    });
    it(`${build}: from tarballs of the runs, and with one tarball given twice (as the same directory twice)`, () => {
      const d = join(FIXTURES, build);
      const tars = ['run1', 'run2', 'run3'].map((r) => {
        const t = join(tmp, 'tars', build.replace('/', '-'), `${r}.tar`);
        mkdirSync(join(t, '..'), { recursive: true });
        expect(spawnSync('tar', ['-cf', t, '-C', join(d, r), '.']).status).toBe(0);
        return t;
      });
      const out = join(tmp, 'acc-tar', build);
      const r = runCli('gcda-merge', [tars[0]!, tars[1]!, tars[2]!, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      expectSameTree(out, join(d, 'accumulated'));
      const twice = join(tmp, 'acc-tar-twice', build);
      const viaDirs = join(tmp, 'acc-dir-twice', build);
      expect(runCli('gcda-merge', [tars[0]!, tars[0]!, tars[1]!, '-o', twice]).status).toBe(0);
      expect(runCli('gcda-merge', [join(d, 'run1'), join(d, 'run1'), join(d, 'run2'), '-o', viaDirs]).status).toBe(0);
      expectSameTree(twice, viaDirs);
    });
    it(`${build}: from the runs without summaries, with --summarize`, () => {
      const d = join(FIXTURES, build);
      const runs = ['run1', 'run2', 'run3'].map((r) => stripped(join(d, r), join(tmp, 'stripped', build, r)));
      const out = join(tmp, 'acc-summarized', build);
      const refused = runCli('gcda-merge', [...runs, '-o', out]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/no summary records .*--summarize/);
      expect(existsSync(out)).toBe(false);
      const r = runCli('gcda-merge', ['--summarize', ...runs, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      expectSameTree(out, join(d, 'accumulated'));
      const outJ = join(tmp, 'acc-summarized-j2', build);
      const j = runCli('gcda-merge', ['--summarize', ...runs, '-o', outJ, '-j', '2']);
      expect(j.status, j.stderr).toBe(0);
      expectSameTree(outJ, join(d, 'accumulated'));
    });
  }

  it('the TOPN fixtures exercise eviction: a site went past 32 values and its total is negative', () => {
    const f = readGcda(read(join(FIXTURES, 'gcc-12/profile-generate/accumulated/dispatch.gcda')));
    const kinds = f.records.flatMap((r) => (r.type === 'function' ? r.records : [])).filter((c) => c.type === 'counters' && c.kind === 4);
    expect(kinds.some((c) => c.type === 'counters' && c.values[0]! < 0n && c.values[1] === 32n)).toBe(true);
  });

  it('clang-16: with --llvm-first-object main.gcda the bytes are the runtime\'s; by default every object gets the sum of the runs', () => {
    const d = join(FIXTURES, 'clang-16/coverage');
    const runs = ['run1', 'run2', 'run3'].map((r) => join(d, r));
    const exact = join(tmp, 'clang-exact');
    expect(runCli('gcda-merge', [...runs, '-o', exact, '--llvm-first-object', 'main.gcda']).status).toBe(0);
    expectSameTree(exact, join(d, 'accumulated'));
    const sum = join(tmp, 'clang-sum');
    expect(runCli('gcda-merge', [...runs, '-o', sum]).status).toBe(0);
    for (const n of gcdas(sum)) {
      const a = readGcda(read(join(sum, n)));
      const b = readGcda(read(join(d, 'accumulated', n)));
      const runsOf = (f: GcdaFile) => f.records.flatMap((r) => (r.type === 'summary' && r.layout === 'llvm-runs' ? [r.runs] : []));
      expect(runsOf(a)).toEqual([3]);
      expect(runsOf(b)).toEqual([n === 'main.gcda' ? 3 : 1]);
      // Everything but the run count is the runtime's.
      const strip = (f: GcdaFile) => hex(writeGcda({ ...f, records: f.records.filter((r) => r.type !== 'summary') }));
      expect(strip(a)).toBe(strip(b));
    }
  });
});

describe('gcov-tool merge as oracle (dir1 = newest run plays libgcov\'s memory)', () => {
  const tools = [
    { v: '12', build: 'gcc-12/profile-generate' },
    { v: '12', build: 'gcc-12/coverage' },
    { v: '11', build: 'gcc-11/profile-generate' },
    { v: '11', build: 'gcc-11/coverage' },
  ];
  for (const t of tools) {
    it(`gcov-tool-${t.v} merge NEWEST ACC at every step equals gcda-merge ACC NEWEST (${t.build})`, () => {
      if (!haveTool(`gcov-tool-${t.v}`, `gcc-${t.v}`)) return;
      const d = join(FIXTURES, t.build);
      let acc = join(d, 'run1');
      for (const run of ['run2', 'run3']) {
        const viaTool = join(tmp, 'gt', t.build, run);
        mkdirSync(join(viaTool, '..'), { recursive: true });
        const g = spawnSync(`gcov-tool-${t.v}`, ['merge', '-o', viaTool, join(d, run), acc], { encoding: 'utf8' });
        expect(g.status, g.stderr).toBe(0);
        const ours = join(tmp, 'gt-ours', t.build, run);
        expect(runCli('gcda-merge', [acc, join(d, run), '-o', ours]).status).toBe(0);
        expectSameTree(ours, viaTool);
        acc = ours;
      }
    });
  }

  it('called the other way round (gcov-tool merge ACC NEWEST), gcov-tool adds to the negative TOPN total and gets it wrong', () => {
    if (!haveTool('gcov-tool-12', 'gcc-12')) return;
    const d = join(FIXTURES, 'gcc-12/profile-generate');
    const acc12 = join(tmp, 'gt-acc12');
    expect(runCli('gcda-merge', [join(d, 'run1'), join(d, 'run2'), '-o', acc12]).status).toBe(0);
    const wrong = join(tmp, 'gt-reversed');
    const g = spawnSync('gcov-tool-12', ['merge', '-o', wrong, acc12, join(d, 'run3')], { encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);
    const totals = (p: string) =>
      readGcda(read(p))
        .records.flatMap((r) => (r.type === 'function' ? r.records : []))
        .flatMap((c) => (c.type === 'counters' && c.kind === 4 && c.values.length > 0 ? [c.values[0]!] : []));
    const right = totals(join(d, 'accumulated/dispatch.gcda'));
    const reversed = totals(join(wrong, 'dispatch.gcda'));
    const acc = totals(join(acc12, 'dispatch.gcda'));
    const run3 = totals(join(d, 'run3/dispatch.gcda'));
    const i = acc.findIndex((x) => x < 0n);
    expect(i).toBeGreaterThanOrEqual(0);
    // libgcov (and gcda-merge): -(|acc| + run3) = -1495; gcov-tool reversed: acc + run3 = -1155 + 340.
    expect(right[i]).toBe(-(-acc[i]! + run3[i]!));
    expect(reversed[i]).toBe(acc[i]! + run3[i]!);
    expect(reversed[i]).not.toBe(right[i]);
  });

  it('weights: gcov-tool merge -w W,1 NEWEST ACC has the counts of gcda-merge ACC NEWEST --weights 1,W; the summaries differ as documented', () => {
    const summaryOf = (p: string) => {
      const s = readGcda(read(p)).records.find((r) => r.type === 'summary');
      return s && s.layout === 'runs' ? { runs: s.runs, sumMax: s.sumMax } : null;
    };
    const withoutSummary = (p: string) => {
      const f = readGcda(read(p));
      return hex(writeGcda({ ...f, records: f.records.filter((r) => r.type !== 'summary') }));
    };
    for (const v of ['11', '12']) {
      if (!haveTool(`gcov-tool-${v}`, `gcc-${v}`)) return;
      const d = join(FIXTURES, `gcc-${v}/coverage`);
      for (const w of [2, 3]) {
        const viaTool = join(tmp, `w-tool-${v}-${w}`);
        const g = spawnSync(`gcov-tool-${v}`, ['merge', '-w', `${w},1`, '-o', viaTool, join(d, 'run2'), join(d, 'run1')], { encoding: 'utf8' });
        expect(g.status, g.stderr).toBe(0);
        const ours = join(tmp, `w-ours-${v}-${w}`);
        expect(runCli('gcda-merge', [join(d, 'run1'), join(d, 'run2'), '--weights', `1,${w}`, '-o', ours]).status).toBe(0);
        for (const n of gcdas(viaTool)) {
          expect(withoutSummary(join(ours, n)), n).toBe(withoutSummary(join(viaTool, n)));
          const one = summaryOf(join(d, 'run1', n))!;
          // Ours: a weight counts the input that many times: runs 1*1 + W*1.
          expect(summaryOf(join(ours, n))).toEqual({ runs: 1 + w, sumMax: one.sumMax + w * summaryOf(join(d, 'run2', n))!.sumMax });
          // gcov-tool: the W-1 self-merges of the target are one merge call, which adds its summary once.
          expect(summaryOf(join(viaTool, n))!.runs).toBe(2 + 1);
        }
      }
    }
  });
});

describe('gcda-rewrite --scale / --normalize', () => {
  for (const s of ['1/3', '0.37', '2.5', '7']) {
    it(`-s ${s} equals gcov-tool-12 rewrite -s ${s} (profile without TOPN)`, () => {
      if (!haveTool('gcov-tool-12', 'gcc-12')) return;
      const src = join(FIXTURES, 'gcc-12/coverage/accumulated');
      const viaTool = join(tmp, `rw-tool-${s.replace('/', '_')}`);
      const g = spawnSync('gcov-tool-12', ['rewrite', '-s', s, '-o', viaTool, src], { encoding: 'utf8' });
      expect(g.status, g.stderr).toBe(0);
      const ours = join(tmp, `rw-ours-${s.replace('/', '_')}`);
      expect(runCli('gcda-rewrite', [src, '-o', ours, '-s', s, '-q']).status).toBe(0);
      expectSameTree(ours, viaTool);
    });
  }

  it('scales files with TOPN records (where gcov-tool-12 crashes): totals and counts, never values', () => {
    const src = join(FIXTURES, 'gcc-12/profile-generate/accumulated');
    if (haveTool('gcov-tool-12', 'gcc-12')) {
      const g = spawnSync('gcov-tool-12', ['rewrite', '-s', '2', '-o', join(tmp, 'rw-topn-tool'), src], { encoding: 'utf8' });
      expect(g.status === 0 && g.stderr === '').toBe(false);
    }
    const ours = join(tmp, 'rw-topn');
    expect(runCli('gcda-rewrite', [src, '-o', ours, '-s', '2', '-q']).status).toBe(0);
    const before = readGcda(read(join(src, 'dispatch.gcda')));
    const after = readGcda(read(join(ours, 'dispatch.gcda')));
    const topn = (f: GcdaFile) => f.records.flatMap((r) => (r.type === 'function' ? r.records : [])).filter((c) => c.type === 'counters' && c.kind === 4 && c.values.length > 2);
    const b = topn(before);
    const a = topn(after);
    expect(a.length).toBe(b.length);
    expect(a.length).toBeGreaterThan(0);
    for (let k = 0; k < a.length; k++) {
      const x = (b[k] as { values: BigInt64Array }).values;
      const y = (a[k] as { values: BigInt64Array }).values;
      expect(y.length).toBe(x.length);
      let i = 0;
      while (i < x.length) {
        expect(y[i]).toBe(x[i]! * 2n); // total
        expect(y[i + 1]).toBe(x[i + 1]); // n
        const n = Number(x[i + 1]);
        for (let p = 0; p < n; p++) {
          expect(y[i + 2 + 2 * p]).toBe(x[i + 2 + 2 * p]); // value
          expect(y[i + 3 + 2 * p]).toBe(x[i + 3 + 2 * p]! * 2n); // count
        }
        i += 2 + 2 * n;
      }
    }
  });

  it('-s 3 of 2,553 kernel files, with helper threads, into a new OUT and into an existing one: each file is its input scaled', { timeout: 120_000 }, () => {
    // gcda-rewrite encodes into the writer's own buffer ({ shared: true }) and must copy what
    // differs from the input before the next file is encoded: the helper threads write batches
    // of 256 files later, and into an existing OUT every file is written at the end.
    const harvest = readTar(readFileSync(join(FIXTURES, 'kernel/harvest-A.tar.gz')), 'harvest-A').filter((e) => e.type === 'file' && e.path.endsWith('.gcda'));
    const tree = join(tmp, 'rw-big');
    const rels: string[] = [];
    for (let copy = 0; copy < 3; copy++) {
      for (const e of harvest) {
        const rel = join(`copy${copy}`, e.path.replace(/^\.\//, ''));
        mkdirSync(dirname(join(tree, rel)), { recursive: true });
        writeFileSync(join(tree, rel), e.data);
        rels.push(rel);
      }
    }
    const existing = join(tmp, 'rw-big-existing');
    mkdirSync(existing);
    for (const out of [join(tmp, 'rw-big-new'), existing]) {
      const r = runCli('gcda-rewrite', [tree, '-o', out, '-s', '3', '-q', '-j', '2']);
      expect(r.status, r.stderr).toBe(0);
      let differing = 0;
      for (const rel of rels) {
        const input = readFileSync(join(tree, rel));
        const expected = writeGcda(scaleGcda(readGcda(input), parseScale('3')));
        const got = readFileSync(join(out, rel));
        if (Buffer.compare(got, expected) !== 0) differing++;
      }
      expect(differing, out).toBe(0);
    }
  });

  it('-n MAX makes the largest arc counter MAX (to float precision) and equals -s with that factor', () => {
    const src = join(FIXTURES, 'gcc-12/coverage/accumulated');
    const out = join(tmp, 'rw-n');
    expect(runCli('gcda-rewrite', [src, '-o', out, '-n', '1000', '-q']).status).toBe(0);
    let max = 0n;
    for (const n of gcdas(out))
      for (const r of readGcda(read(join(out, n))).records)
        if (r.type === 'function') for (const c of r.records) if (c.type === 'counters' && c.kind === 0) for (const v of c.values) if (v > max) max = v;
    expect(max >= 999n && max <= 1000n).toBe(true);
  });
});

describe('mismatches and bad input', () => {
  const d = join(FIXTURES, 'gcc-12/coverage');
  function variant(name: string, edit: (f: GcdaFile) => GcdaFile, file = 'arith.gcda'): string {
    const dir = join(tmp, 'variants', name);
    cpSync(join(d, 'run2'), dir, { recursive: true });
    const f = readGcda(read(join(dir, file)));
    writeFileSync(join(dir, file), writeGcda(edit(f)));
    return dir;
  }
  const fns = (f: GcdaFile) => f.records.filter((r): r is GcdaFunction => r.type === 'function');

  it('an object present in only some inputs is kept, with what those inputs hold', () => {
    const only = join(tmp, 'variants', 'fewer');
    cpSync(join(d, 'run2'), only, { recursive: true });
    rmSync(join(only, 'buffers.gcda'));
    const out = join(tmp, 'm-fewer');
    const r = runCli('gcda-merge', [join(d, 'run1'), only, '-o', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 objects are in only some inputs/);
    expect(hex(read(join(out, 'buffers.gcda')))).toBe(hex(read(join(d, 'run1/buffers.gcda'))));
  });

  it('a function present in only one input is kept', () => {
    const dir = variant('fn-missing', (f) => ({ ...f, records: f.records.filter((r) => !(r.type === 'function' && r === fns(f)[0])) }));
    const out = join(tmp, 'm-fn');
    const r = runCli('gcda-merge', [join(d, 'run1'), dir, '-o', out, '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).functionsOnlyInOlder).toBe(1);
    const merged = readGcda(read(join(out, 'arith.gcda')));
    const first = fns(readGcda(read(join(d, 'run1/arith.gcda'))))[0]!;
    expect(fns(merged).some((f) => f.ident === first.ident)).toBe(true);
  });

  it('a checksum mismatch is refused naming file, function and both values; --on-mismatch chooses a side', () => {
    const orig = fns(readGcda(read(join(d, 'run2/arith.gcda'))))[1]!;
    const dir = variant('cfg', (f) => ({ ...f, records: f.records.map((r) => (r.type === 'function' && r.ident === orig.ident ? { ...r, cfgChecksum: (r.cfgChecksum! ^ 1) >>> 0 } : r)) }));
    const out = join(tmp, 'm-cfg');
    const r = runCli('gcda-merge', [join(d, 'run1'), dir, '-o', out]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('arith.gcda');
    expect(r.stderr).toContain(`function ${orig.ident}`);
    expect(r.stderr).toContain(`0x${orig.cfgChecksum!.toString(16)}/0x${((orig.cfgChecksum! ^ 1) >>> 0).toString(16)}`);
    expect(existsSync(out)).toBe(false);
    for (const side of ['newest', 'oldest']) {
      const o = join(tmp, `m-cfg-${side}`);
      const s = runCli('gcda-merge', [join(d, 'run1'), dir, '-o', o, '--on-mismatch', side, '--json']);
      expect(s.status).toBe(0);
      expect(JSON.parse(s.stdout).mismatches).toHaveLength(1);
      const kept = fns(readGcda(read(join(o, 'arith.gcda')))).find((f) => f.ident === orig.ident)!;
      expect(kept.cfgChecksum).toBe(side === 'newest' ? (orig.cfgChecksum! ^ 1) >>> 0 : orig.cfgChecksum);
    }
  });

  it('a counter-count mismatch is refused', () => {
    const dir = variant('count', (f) => ({
      ...f,
      records: f.records.map((r) =>
        r.type === 'function' && r === fns(f)[1] ? { ...r, records: r.records.map((c) => (c.type === 'counters' ? { ...c, values: c.values.slice(1), compactZero: false } : c)) } : r,
      ),
    }));
    const r = runCli('gcda-merge', [join(d, 'run1'), dir, '-o', join(tmp, 'm-count')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/number of arcs counters differs/);
  });

  it('different stamps are refused (the object was recompiled); --on-mismatch newest keeps the newer, as libgcov would', () => {
    const dir = variant('stamp', (f) => ({ ...f, stamp: (f.stamp + 1) >>> 0 }));
    const r = runCli('gcda-merge', [join(d, 'run1'), dir, '-o', join(tmp, 'm-stamp')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/stamps differ/);
    const n = runCli('gcda-merge', [join(d, 'run1'), dir, '-o', join(tmp, 'm-stamp-newest'), '--on-mismatch', 'newest']);
    expect(n.status).toBe(0);
    expect(hex(read(join(tmp, 'm-stamp-newest', 'arith.gcda')))).toBe(hex(read(join(dir, 'arith.gcda'))));
  });

  it('files of different GCC versions are refused, naming both', () => {
    const r = runCli('gcda-merge', [join(FIXTURES, 'gcc-11/coverage/run1'), join(d, 'run2'), '-o', join(tmp, 'm-ver')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/gcc-11\/coverage\/run1\/\w+\.gcda is version 'B13\*' and .*gcc-12\/coverage\/run2\/\w+\.gcda is 'B22\*'/);
  });

  it('a truncated file in the second input: one line with file and offset, no output', () => {
    const dir = join(tmp, 'variants', 'truncated');
    cpSync(join(d, 'run2'), dir, { recursive: true });
    const b = read(join(dir, 'main.gcda'));
    writeFileSync(join(dir, 'main.gcda'), b.subarray(0, b.length - 6));
    const out = join(tmp, 'm-trunc');
    // (with -j 2 a helper thread reads main.gcda)
    for (const jobs of [[], ['-j', '2']]) {
      const r = runCli('gcda-merge', [join(d, 'run1'), dir, '-o', out, ...jobs]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/main\.gcda: at byte \d+: /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--input-files with WEIGHT,PATH lines and --weights agree', () => {
    const list = join(tmp, 'inputs.txt');
    writeFileSync(list, `# runs, oldest first\n${join(d, 'run1')}\n2,${join(d, 'run2')}\n`);
    const a = join(tmp, 'm-list');
    const b = join(tmp, 'm-weights');
    expect(runCli('gcda-merge', ['-f', list, '-o', a]).status).toBe(0);
    expect(runCli('gcda-merge', [join(d, 'run1'), join(d, 'run2'), '-w', '1,2', '-o', b]).status).toBe(0);
    expectSameTree(a, b);
    const s = readGcda(read(join(a, 'main.gcda'))).records.find((r) => r.type === 'summary');
    expect(s && s.layout === 'runs' && s.runs).toBe(3);
  });
});

describe('gcda-merge on a terminal', () => {
  it('shows a progress bar over the objects (cli-progress, loaded only then)', () => {
    if (!haveTool('script', 'bsdutils')) return;
    const out = join(tmp, 'out-tty');
    const argv = [process.execPath, join(REPO, 'bin/gcda-merge.js'), join(FIXTURES, 'kernel/harvest-A.tar.gz'), join(FIXTURES, 'kernel/harvest-B.tar.gz'), '--summarize', '-o', out];
    const r = spawnSync('script', ['-qec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'], { encoding: 'utf8' });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('gcda-merge [');
    expect(r.stdout).toMatch(/ 0\/851 objects/);
    expect(r.stdout).toContain('2 inputs, 851 objects');
    expect(readdirSync(out).length).toBeGreaterThan(0);
  });
});

describe('the byte-level merge (mergeGcdaBytes) gives the model path\'s bytes', () => {
  it('on the summarized kernel harvests A and B, and declines what it does not handle', async () => {
    const { readTar } = await import('../src/tree/tar.js');
    const { summarize, mergeGcda, mergeGcdaBytes } = await import('../src/index.js');
    const load = (name: string) => {
      const entries = readTar(read(join(FIXTURES, `kernel/${name}`)), name)
        .filter((e) => e.type === 'file' && e.path.endsWith('.gcda'))
        .sort((a, b) => (a.path < b.path ? -1 : 1));
      const r = summarize(entries.map((e) => ({ name: e.path, file: readGcda(e.data, { file: e.path }) })));
      return new Map(entries.map((e, i) => [e.path, writeGcda(r.files[i]!)]));
    };
    const a = load('harvest-A.tar.gz');
    const b = load('harvest-B.tar.gz');
    let fast = 0;
    for (const [path, older] of a) {
      const newer = b.get(path)!;
      const viaBytes = mergeGcdaBytes(newer, older);
      const viaModel = writeGcda(mergeGcda(readGcda(newer), readGcda(older)).file);
      expect(viaBytes, path).not.toBeNull();
      expect(hex(viaBytes!), path).toBe(hex(viaModel));
      fast++;
    }
    expect(fast).toBe(851);
    // TOPN records, LLVM files, stamps that differ: the model path's business.
    const topn = join(FIXTURES, 'gcc-12/profile-generate');
    expect(mergeGcdaBytes(read(join(topn, 'run2/dispatch.gcda')), read(join(topn, 'run1/dispatch.gcda')))).toBeNull();
    const clang = join(FIXTURES, 'clang-16/coverage');
    expect(mergeGcdaBytes(read(join(clang, 'run2/main.gcda')), read(join(clang, 'run1/main.gcda')))).toBeNull();
    const cov = join(FIXTURES, 'gcc-12/coverage');
    const restamped = readGcda(read(join(cov, 'run2/main.gcda')));
    expect(mergeGcdaBytes(writeGcda({ ...restamped, stamp: restamped.stamp + 1 }), read(join(cov, 'run1/main.gcda')))).toBeNull();
    for (const n of gcdas(join(cov, 'run1'))) {
      const viaBytes = mergeGcdaBytes(read(join(cov, 'run2', n)), read(join(cov, 'run1', n)));
      expect(hex(viaBytes!)).toBe(hex(writeGcda(mergeGcda(readGcda(read(join(cov, 'run2', n))), readGcda(read(join(cov, 'run1', n)))).file)));
    }
  });
});

describe('gcda-merge with helper threads on the kernel harvests', () => {
  it('--summarize A B A B: -j 2 (reads ahead in many batches, their memory filled again) gives the bytes of -j 1', () => {
    const trees = ['A', 'B'].map((h) => {
      const dir = join(tmp, `harvest-${h}`);
      mkdirSync(dir, { recursive: true });
      expect(spawnSync('tar', ['xzf', join(FIXTURES, `kernel/harvest-${h}.tar.gz`), '-C', dir]).status).toBe(0);
      return dir;
    });
    const inputs = [trees[0]!, trees[1]!, trees[0]!, trees[1]!];
    const one = join(tmp, 'kernel-j1');
    const two = join(tmp, 'kernel-j2');
    const r1 = runCli('gcda-merge', ['--summarize', ...inputs, '-o', one, '-j', '1', '--json']);
    const r2 = runCli('gcda-merge', ['--summarize', ...inputs, '-o', two, '-j', '2', '--json']);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r2.status, r2.stderr).toBe(0);
    const strip = (s: string) => ({ ...JSON.parse(s), output: null, elapsedSeconds: null });
    expect(strip(r2.stdout)).toEqual(strip(r1.stdout));
    expect(JSON.parse(r1.stdout).runs).toBe(4);
    const files = readdirSync(one, { recursive: true }).map(String).filter((p) => p.endsWith('.gcda'));
    expect(files).toHaveLength(851);
    for (const p of files) expect(hex(read(join(two, p))), p).toBe(hex(read(join(one, p))));
  });
});
