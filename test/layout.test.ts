/** Output names for -fprofile-use -fprofile-dir (reference §9.4) and kbuild's '..' objects. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outputPath } from '../src/tree/output.js';
import { kbuildCompiledPaths, mangleGccPath, profileDirName } from '../src/tree/layout.js';

describe('profile-dir names', () => {
  it('mangle as GCC 9+ does: / to #, a .. component to ^', () => {
    expect(mangleGccPath('/build/obj/a')).toBe('#build#obj#a');
    expect(mangleGccPath('/b/arch/x86/um/../lib/csum')).toBe('#b#arch#x86#um#^#lib#csum');
    expect(mangleGccPath('rel/..x/a')).toBe('rel#..x#a');
  });
  it('GCC 12: absolute, or relative to -fprofile-prefix-path; GCC 8: relative to the build root', () => {
    expect(profileDirName('build/kernel/fork.gcda', { versionNumber: 122 })).toBe('#build#kernel#fork.gcda');
    expect(profileDirName('build/kernel/fork.gcda', { versionNumber: 122, profilePrefixPath: '/build/' })).toBe('kernel#fork.gcda');
    expect(profileDirName('kernel/fork.gcda', { versionNumber: 122, pathPrefix: '/build' })).toBe('#build#kernel#fork.gcda');
    expect(profileDirName('build/kernel/fork.gcda', { versionNumber: 84, buildRoot: '/build' })).toBe('kernel/fork.gcda');
    expect(() => profileDirName('build/kernel/fork.gcda', { versionNumber: 84 })).toThrow(/--build-root/);
    expect(() => profileDirName('elsewhere/x.gcda', { versionNumber: 122, profilePrefixPath: '/build' })).toThrow(/does not start with/);
  });
  it("kbuild .cmd files map a '..' object's resolved path to the one GCC saw, also from a copy of the tree", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarax-kbuild-'));
    try {
      mkdirSync(join(dir, 'arch/x86/lib'), { recursive: true });
      writeFileSync(join(dir, 'arch/x86/lib/.csum-partial_64.o.cmd'), 'savedcmd_arch/x86/um/../lib/csum-partial_64.o := gcc -c -o arch/x86/um/../lib/csum-partial_64.o\n');
      writeFileSync(join(dir, 'arch/x86/lib/.plain.o.cmd'), 'cmd_arch/x86/lib/plain.o := gcc -c\n');
      const live = kbuildCompiledPaths(dir);
      expect([...live]).toEqual([[`${dir}/arch/x86/lib/csum-partial_64`, `${dir}/arch/x86/um/../lib/csum-partial_64`]]);
      const copied = kbuildCompiledPaths(dir, '/build/linux');
      expect([...copied]).toEqual([['/build/linux/arch/x86/lib/csum-partial_64', '/build/linux/arch/x86/um/../lib/csum-partial_64']]);
      expect(profileDirName('build/linux/arch/x86/lib/csum-partial_64.gcda', { versionNumber: 122, compiledPaths: copied })).toBe('#build#linux#arch#x86#um#^#lib#csum-partial_64.gcda');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('outputPath', () => {
  /** The definition: resolve(join(root, rel)), refused outside root. */
  function reference(outDir: string, rel: string): string {
    const root = resolve(outDir);
    const full = resolve(join(root, rel));
    if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) throw new Error('outside');
    return full;
  }

  it('equals resolve(join(OUT, rel)) for any relative path, and refuses the ones that leave OUT', () => {
    const segment = fc.constantFrom('a', 'b.gcda', '.', '..', '', 'x y', '.hidden', '..a', 'a..', '\\');
    const relPath = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/'));
    const outDir = fc.constantFrom('/tmp/out', '/tmp/out/', 'rel/out', '.', '/');
    fc.assert(
      fc.property(outDir, relPath, (out, rel) => {
        let expected: string | Error;
        try {
          expected = reference(out, rel);
        } catch (e) {
          expected = e as Error;
        }
        if (expected instanceof Error) expect(() => outputPath(out, rel)).toThrow(/outside/);
        else expect(outputPath(out, rel)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
