/**
 * The compilers as oracles: `gcc -O2 -fprofile-use` given the summary gcda-summarize
 * computed produces the same assembly as given libgcov's own files (and different assembly
 * without any summary, so the comparison can fail); and the profile-dir layout gives every
 * object, including one compiled through a '..' path, the name GCC asks for
 * (-Wmissing-profile stays quiet).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGcda, writeGcda } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { FIXTURES } from './helpers/paths.js';
import { haveTool } from './helpers/tools.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tarax-profile-use-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SOURCES = ['main.c', 'dispatch.c', 'arith.c', 'buffers.c'];

/** Writes the run's files without their summary records: what a kernel-like export gives. */
function stripRun(runDir: string, into: string): void {
  mkdirSync(into, { recursive: true });
  for (const n of readdirSync(runDir).filter((n) => n.endsWith('.gcda'))) {
    const f = readGcda(new Uint8Array(readFileSync(join(runDir, n))), { file: n });
    writeFileSync(join(into, n), writeGcda({ ...f, records: f.records.filter((r) => r.type !== 'summary') }));
  }
}

/** Compiles every source to assembly with the profile in profileDir; returns asm per source and the diagnostics. */
function compileWithProfile(gcc: string, src: string, profileDir: string, extra: string[]): { asm: Map<string, string>; stderr: string } {
  const asm = new Map<string, string>();
  let stderr = '';
  for (const s of SOURCES) {
    const base = s.replace(/\.c$/, '');
    const r = spawnSync(gcc, ['-O2', ...extra, '-fprofile-use', `-fprofile-dir=${profileDir}`, `-fprofile-prefix-path=${src}`, '-Wmissing-profile', '-S', s, '-o', `${base}.s`], {
      cwd: src,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    stderr += r.stderr;
    asm.set(s, readFileSync(join(src, `${base}.s`), 'utf8'));
    renameSync(join(src, `${base}.s`), join(src, `${base}.${asm.size}.s.done`));
  }
  return { asm, stderr };
}

// The -O2 -fprofile-generate builds (the --coverage fixtures were instrumented at -O0, whose
// control flow -O2 -fprofile-use does not match). s390x: GCC reading big-endian files.
const CONFIGS = [
  { build: 'gcc-12/profile-generate', gcc: 'gcc-12', pkg: 'gcc-12', extra: [] as string[] },
  { build: 'gcc-11/profile-generate', gcc: 'gcc-11', pkg: 'gcc-11', extra: [] },
  { build: 's390x-gcc-12/profile-generate', gcc: 's390x-linux-gnu-gcc-12', pkg: 'gcc-12-s390x-linux-gnu (with libc6-dev-s390x-cross)', extra: [] },
];

describe('gcc -O2 -fprofile-use: summarized profile vs libgcov\'s profile', () => {
  for (const c of CONFIGS) {
    for (const run of ['run1', 'run2', 'run3']) {
      it(`${c.build}/${run}: identical assembly; without a summary it differs`, () => {
        if (!haveTool(c.gcc, c.pkg)) return;
        const dir = join(tmp, c.build.replace('/', '-'), run);
        const src = join(dir, 'src');
        mkdirSync(src, { recursive: true });
        for (const s of [...SOURCES, 'valprof.h']) cpSync(join(FIXTURES, 'programs/valprof', s), join(src, s));
        const runDir = join(FIXTURES, c.build, run);
        stripRun(runDir, join(dir, 'stripped'));
        const r = runCli('gcda-summarize', [join(dir, 'stripped'), '-o', join(dir, 'summarized'), '-q']);
        expect(r.status, r.stderr).toBe(0);

        const original = compileWithProfile(c.gcc, src, runDir, c.extra);
        const summarized = compileWithProfile(c.gcc, src, join(dir, 'summarized'), c.extra);
        const stripped = compileWithProfile(c.gcc, src, join(dir, 'stripped'), c.extra);
        expect(original.stderr).toBe('');
        expect(summarized.stderr).toBe('');
        for (const s of SOURCES) expect(summarized.asm.get(s), s).toBe(original.asm.get(s));
        // The control: the same counters without the summary are not used the same way.
        expect(SOURCES.some((s) => stripped.asm.get(s) !== original.asm.get(s))).toBe(true);
      });
    }
  }
});

describe('profile-dir layout: every object gets the name GCC asks for', () => {
  it("including one compiled through '..' (kbuild .cmd files); without --kbuild that one goes missing", () => {
    if (!haveTool('gcc-12', 'gcc-12')) return;
    const build = join(tmp, 'kb', 'build');
    mkdirSync(join(build, 'sub'), { recursive: true });
    mkdirSync(join(build, 'lib'), { recursive: true });
    writeFileSync(join(build, 'main.c'), 'int f(int);\nint main(int argc, char **argv) { int s = 0; for (int i = 0; i < 1000 * argc; i++) s += f(i); return s == 42; }\n');
    writeFileSync(join(build, 'lib', 'f.c'), 'int f(int x) { if (x % 7 == 0) return x / 7; return x & 3; }\n');
    const gcc = (args: string[]) => execFileSync('gcc-12', args, { cwd: build, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const objects = [
      { obj: 'main.o', src: 'main.c' },
      { obj: 'sub/../lib/f.o', src: 'sub/../lib/f.c' },
    ];
    // The instrumented build, kbuild style: each object's exact command line in .NAME.o.cmd.
    for (const o of objects) {
      const args = ['-O2', '-fprofile-arcs', '-c', o.src, '-o', o.obj];
      gcc(args);
      const dot = o.obj.replace(/([^/]+)$/, '.$1.cmd');
      writeFileSync(join(build, dot), `cmd_${o.obj} := gcc-12 ${args.join(' ')}\n\nsource_${o.obj} := ${o.src}\n`);
    }
    gcc(['-fprofile-arcs', '-o', 'prog', 'main.o', 'lib/f.o']);
    execFileSync(join(build, 'prog'));
    // The "harvest": each .gcda under its resolved absolute path, summaries stripped, as DebugFS exports them.
    const harvest = join(tmp, 'kb', 'harvest');
    for (const rel of ['main.gcda', 'lib/f.gcda']) {
      const f = readGcda(new Uint8Array(readFileSync(join(build, rel))), { file: rel });
      const dest = join(harvest, build, rel);
      mkdirSync(join(dest, '..'), { recursive: true });
      writeFileSync(dest, writeGcda({ ...f, records: f.records.filter((r) => r.type !== 'summary'), trailer: new Uint8Array(0) }));
    }
    const profile = join(tmp, 'kb', 'profile');
    const r = runCli('gcda-summarize', [harvest, '-o', profile, '--layout', 'profile-dir', '--kbuild', build]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 objects compiled through a '\.\.' path/);
    expect(readdirSync(profile).sort()).toEqual([`${build.replace(/\//g, '#')}#main.gcda`, `${build.replace(/\//g, '#')}#sub#^#lib#f.gcda`].sort());
    const rebuild = (dir: string) =>
      objects.map((o) => spawnSync('gcc-12', ['-O2', '-fprofile-use', `-fprofile-dir=${dir}`, '-Wmissing-profile', '-c', o.src, '-o', o.obj], { cwd: build, encoding: 'utf8' }));
    for (const res of rebuild(profile)) {
      expect(res.status).toBe(0);
      expect(res.stderr).toBe('');
    }
    // Control: without --kbuild the '..' object is written under its resolved name, which GCC does not ask for.
    const plain = join(tmp, 'kb', 'profile-plain');
    expect(runCli('gcda-summarize', [harvest, '-o', plain, '--layout', 'profile-dir', '-q']).status).toBe(0);
    const [mainRes, fRes] = rebuild(plain);
    expect(mainRes!.stderr).toBe('');
    expect(fRes!.stderr).toMatch(/profile count data file not found/);
  });
});
