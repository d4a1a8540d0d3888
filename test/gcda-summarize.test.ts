/**
 * gcda-summarize as a user runs it: the kernel harvest tarball and tree, the kernel's
 * peculiarities (zero checksum word, positive-length zero records, dangling .gcno links,
 * empty files from tar, mixed versions), existing summaries, in-place, and bad input that
 * must leave no output behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGcda, summarize, writeGcda } from '../src/index.js';
import { readTar } from '../src/tree/tar.js';
import { runCli } from './helpers/cli.js';
import { FIXTURES, REPO, findFiles } from './helpers/paths.js';
import { haveTool } from './helpers/tools.js';

const HARVEST = join(FIXTURES, 'kernel/harvest-A.tar.gz');
let tmp: string;
let tree: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tarax-summarize-'));
  tree = join(tmp, 'tree');
  mkdirSync(tree);
  execFileSync('tar', ['xzf', HARVEST, '-C', tree]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const read = (p: string) => new Uint8Array(readFileSync(p));
const rel = (root: string) => findFiles(root, ['.gcda']).map((p) => p.slice(root.length + 1));

describe('gcda-summarize on the kernel harvest', () => {
  it('tarball -> OUT: every file is what the library computes, and the report says what was done', () => {
    const out = join(tmp, 'out-tar');
    const r = runCli('gcda-summarize', [HARVEST, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/851 \.gcda files .* version 'B22\*' \(GCC 12\.2\): GCC 9\+ OBJECT_SUMMARY/);
    expect(r.stdout).toMatch(/summary: runs 1, sum_max \d+/);
    expect(r.stdout).toMatch(/object checksum filled in for 851 files/);
    const entries = readTar(read(HARVEST), 'h').filter((e) => e.type === 'file' && e.path.endsWith('.gcda')).sort((a, b) => (a.path < b.path ? -1 : 1));
    const expected = summarize(entries.map((e) => ({ name: e.path, file: readGcda(e.data) })));
    const sumMax = r.stdout.match(/sum_max (\d+)/)![1]!;
    expect(BigInt(sumMax)).toBe(expected.summary.sumMaxWritten);
    entries.forEach((e, i) => expect(hex(read(join(out, e.path.replace(/^\.\//, '')))), e.path).toBe(hex(writeGcda(expected.files[i]!))));
  });

  it('directory -> OUT gives the same bytes as the tarball, leaves the input untouched, and --json reports it', () => {
    const before = new Map(rel(tree).map((p) => [p, hex(read(join(tree, p)))]));
    const out = join(tmp, 'out-dir');
    const r = runCli('gcda-summarize', [tree, '-o', out, '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ files: 851, version: 'B22*', generation: 'gcc-9', layout: 'mirror', objectChecksumsFilled: 851, replacedSummaries: 0, warnings: [] });
    expect(report.summary.runs).toBe(1);
    expect(Number(report.summary.sumMax)).toBeGreaterThan(0);
    expect(report.functions).toBeGreaterThan(20000);
    expect(typeof report.elapsedSeconds).toBe('number');
    for (const [p, h] of before) {
      expect(hex(read(join(tree, p)))).toBe(h);
      expect(hex(read(join(out, p)))).toBe(hex(read(join(tmp, 'out-tar', p))));
    }
  });

  it('a summarized tree is refused without --force; with --force the summary is recomputed and the same', () => {
    const out = join(tmp, 'out-tar');
    const again = join(tmp, 'again');
    const r = runCli('gcda-summarize', [out, '-o', again]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/already carries a summary record.*--force/);
    expect(existsSync(again)).toBe(false);
    const f = runCli('gcda-summarize', [out, '-o', again, '--force']);
    expect(f.status).toBe(0);
    expect(f.stdout).toMatch(/replaced the existing summary of 851 files/);
    for (const p of rel(out)) expect(hex(read(join(again, p))), p).toBe(hex(read(join(out, p))));
  });

  it('--in-place rewrites the inputs and nothing else', () => {
    const copy = join(tmp, 'inplace');
    cpSync(tree, copy, { recursive: true });
    const r = runCli('gcda-summarize', [copy, '--in-place', '-q']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    for (const p of rel(copy)) expect(hex(read(join(copy, p))), p).toBe(hex(read(join(tmp, 'out-tar', p))));
    expect(readdirSync(copy, { recursive: true }).some((n) => String(n).includes('tarax-tmp'))).toBe(false);
  });

  it('with helper threads (-j 2, -j 3) the bytes are the same, to OUT and in place', () => {
    for (const j of ['2', '3']) {
      const out = join(tmp, `out-j${j}`);
      const r = runCli('gcda-summarize', [tree, '-o', out, '-j', j, '-q']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const p of rel(join(tmp, 'out-tar'))) expect(hex(read(join(out, p))), p).toBe(hex(read(join(tmp, 'out-tar', p))));
    }
    const copy = join(tmp, 'inplace-j2');
    cpSync(tree, copy, { recursive: true });
    expect(runCli('gcda-summarize', [copy, '--in-place', '-q', '-j', '2']).status).toBe(0);
    for (const p of rel(copy)) expect(hex(read(join(copy, p))), p).toBe(hex(read(join(tmp, 'out-tar', p))));
    expect(readdirSync(copy, { recursive: true }).some((n) => String(n).includes('tarax-tmp'))).toBe(false);
    expect(runCli('gcda-summarize', [tree, '-o', join(tmp, 'j0'), '-j', '0']).status).toBe(1);
  });

  it('refuses -o together with --in-place, and --in-place on a tarball', () => {
    expect(runCli('gcda-summarize', [tree, '-o', join(tmp, 'x'), '--in-place']).status).toBe(1);
    expect(runCli('gcda-summarize', [HARVEST, '--in-place']).status).toBe(1);
    expect(runCli('gcda-summarize', [tree]).status).toBe(1);
  });
});

describe('process', () => {
  it('a tree of more than 4000 files runs in a node relaunched with a small young generation, and gives the same bytes', () => {
    const big = join(tmp, 'big');
    for (let c = 0; c < 5; c++) cpSync(tree, join(big, `copy${c}`), { recursive: true });
    const out = join(tmp, 'out-big');
    const r = spawnSync(process.execPath, [join(REPO, 'bin/gcda-summarize.js'), big, '-o', out, '-q'], {
      encoding: 'utf8',
      env: { ...process.env, TARAX_DEBUG: '1' },
    });
    expect(r.stderr).toContain('large input: relaunching node with --max-semi-space-size=2');
    expect(r.status).toBe(0);
    // run as a command, the shebang starts node with the flag: no relaunch, the same bytes
    const direct = join(tmp, 'out-big-direct');
    const d = spawnSync(join(REPO, 'bin/gcda-summarize.js'), [big, '-o', direct, '-q'], { encoding: 'utf8', env: { ...process.env, TARAX_DEBUG: '1' } });
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    for (const p of rel(out).slice(0, 200)) expect(hex(read(join(direct, p))), p).toBe(hex(read(join(out, p))));
    const small = join(tmp, 'out-small');
    const s = spawnSync(process.execPath, [join(REPO, 'bin/gcda-summarize.js'), join(big, 'copy0'), '-o', small, '-q'], {
      encoding: 'utf8',
      env: { ...process.env, TARAX_DEBUG: '1' },
    });
    expect(s.stderr).toBe(''); // 851 files: no relaunch
    expect(s.status).toBe(0);
    // Five copies of one harvest make one program with five times each function: the same
    // sum_max, so every copy's output equals the single copy's.
    for (const p of rel(small)) expect(hex(read(join(out, 'copy3', p))), p).toBe(hex(read(join(small, p))));
  });

  it('on a terminal it shows a progress bar for each pass (cli-progress, loaded only then)', () => {
    if (!haveTool('script', 'bsdutils')) return;
    const out = join(tmp, 'out-tty');
    const cmd = [process.execPath, join(REPO, 'bin/gcda-summarize.js'), tree, '-o', out].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('gcda-summarize reading [');
    expect(r.stdout).toContain('gcda-summarize writing [');
    expect(r.stdout).toContain('851/851 files');
    expect(existsSync(out)).toBe(true);
  });
});

describe('kernel peculiarities', () => {
  it('the zero checksum word is filled in as the compiler computes it, or kept with --keep-zero-checksum', () => {
    const out = join(tmp, 'keep-zero');
    expect(runCli('gcda-summarize', [HARVEST, '-o', out, '--keep-zero-checksum', '-q']).status).toBe(0);
    for (const p of rel(out).slice(0, 50)) {
      const f = readGcda(read(join(out, p)));
      expect(f.checksum).toBe(0);
      const filled = readGcda(read(join(tmp, 'out-tar', p)));
      expect(filled.checksum).not.toBe(0);
    }
  });

  it('positive-length all-zero counter records stay as the kernel wrote them', () => {
    let seen = 0;
    for (const p of rel(tree)) {
      const input = readGcda(read(join(tree, p)));
      const output = readGcda(read(join(tmp, 'out-tar', p)));
      const zeros = (f: typeof input) =>
        f.records.flatMap((r) => (r.type === 'function' ? r.records : [])).filter((c) => c.type === 'counters' && c.values.every((v) => v === 0n));
      const a = zeros(input);
      const b = zeros(output);
      expect(b.length).toBe(a.length);
      for (const c of b) expect(c.type === 'counters' && c.compactZero).toBe(false);
      seen += a.length;
    }
    expect(seen).toBeGreaterThan(100);
  });

  it('.gcno symbolic links that point nowhere (copied off the harvest host) are skipped and reported', () => {
    const dir = join(tmp, 'links');
    mkdirSync(dir);
    const one = rel(tree)[0]!;
    cpSync(join(tree, one), join(dir, 'a.gcda'));
    symlinkSync('/nonexistent/build/tree/a.gcno', join(dir, 'a.gcno'));
    const r = runCli('gcda-summarize', [dir, '-o', join(tmp, 'links-out')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/skipped 1 \.gcno symbolic links that point nowhere on this host/);
    expect(existsSync(join(tmp, 'links-out/a.gcda'))).toBe(true);
    expect(existsSync(join(tmp, 'links-out/a.gcno'))).toBe(false);
  });

  it('an empty .gcda (what tar makes of a DebugFS file) is refused with the reason, and nothing is written', () => {
    const dir = join(tmp, 'empty');
    cpSync(tree, dir, { recursive: true });
    const victim = join(dir, rel(dir)[400]!);
    writeFileSync(victim, new Uint8Array(0));
    const out = join(tmp, 'empty-out');
    // (with -j 2 a helper thread reads the file)
    for (const jobs of [[], ['-j', '2']]) {
      const r = runCli('gcda-summarize', [dir, '-o', out, ...jobs]);
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(victim);
      expect(lines[0]).toMatch(/at byte 0/);
      expect(lines[0]).toMatch(/empty/i);
      expect(lines[0]).toMatch(/cat/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a damaged file in the middle of the harvest: one line with file and offset, no output at all', () => {
    const dir = join(tmp, 'damaged');
    cpSync(tree, dir, { recursive: true });
    const victim = join(dir, rel(dir)[500]!);
    const b = read(victim);
    writeFileSync(victim, b.subarray(0, b.length - 3));
    const out = join(tmp, 'damaged-out');
    for (const jobs of [[], ['-j', '2']]) {
      const r = runCli('gcda-summarize', [dir, '-o', out, ...jobs]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^gcda-summarize: ${victim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: at byte \\d+: `));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('files of two GCC versions in one harvest are refused, naming both', () => {
    const dir = join(tmp, 'mixed');
    mkdirSync(dir);
    cpSync(join(tree, rel(tree)[0]!), join(dir, 'a-gcc12.gcda'));
    cpSync(join(FIXTURES, 'gcc-11/coverage/run1/main.gcda'), join(dir, 'b-gcc11.gcda'));
    const r = runCli('gcda-summarize', [dir, '-o', join(tmp, 'mixed-out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/a-gcc12\.gcda is version 'B22\*'.*b-gcc11\.gcda is 'B13\*'/);
    expect(existsSync(join(tmp, 'mixed-out'))).toBe(false);
  });

  it('a tarball entry whose path would leave OUT is refused', () => {
    const dir = join(tmp, 'evil');
    mkdirSync(join(dir, 'a'), { recursive: true });
    cpSync(join(tree, rel(tree)[0]!), join(dir, 'x.gcda'));
    const tarball = join(tmp, 'evil.tar');
    // GNU tar keeps a leading '../' only with -P; build the member name with --transform.
    execFileSync('tar', ['-C', dir, '-P', '--transform', 's|^x|../../escape|', '-cf', tarball, 'x.gcda']);
    const r = runCli('gcda-summarize', [tarball, '-o', join(tmp, 'evil-out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/leaves the output directory: refused/);
    expect(existsSync(join(tmp, 'escape.gcda'))).toBe(false);
  });
});

describe('profile-dir layout on the harvest', () => {
  it('writes one flat directory of GCC 12 mangled names, found from the .gcno build directory', () => {
    const out = join(tmp, 'profile-dir');
    const r = runCli('gcda-summarize', [HARVEST, join(FIXTURES, 'kernel/gcno-subset.tar.gz'), '-o', out, '--layout', 'profile-dir']);
    expect(r.status).toBe(0);
    const names = readdirSync(out);
    expect(names.length).toBe(851);
    expect(names.every((n) => /^#.*\.gcda$/.test(n) && statSync(join(out, n)).isFile())).toBe(true);
    const buildDir = r.stdout.match(/in the same directory as the instrumented build \(([^)]+)\)/)![1]!;
    expect(names).toContain(`${buildDir.replace(/\//g, '#')}#kernel#sched#core.gcda`);
    const p = runCli('gcda-summarize', [HARVEST, '-o', join(tmp, 'profile-dir-rel'), '--layout', 'profile-dir', '--profile-prefix-path', buildDir]);
    expect(p.status).toBe(0);
    expect(readdirSync(join(tmp, 'profile-dir-rel'))).toContain('kernel#sched#core.gcda');
    expect(p.stdout).toContain(`-fprofile-prefix-path=${buildDir}`);
  });
});
