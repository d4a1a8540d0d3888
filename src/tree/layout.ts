import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * Output layouts: where each summarized .gcda goes. `mirror` keeps the input tree;
 * `profile-dir` writes the names GCC asks for under `-fprofile-use -fprofile-dir=OUT`.
 */
export type OutputLayout = 'mirror' | 'profile-dir';

/**
 * GCC 9+ mangle_path (gcov-io.c / coverage.c): every '/' becomes '#', every '..' path
 * component '^'. (The DOS drive rule, 'C:' to 'C~', does not arise on the hosts we serve.)
 */
export function mangleGccPath(path: string): string {
  return path
    .split('/')
    .map((c) => (c === '..' ? '^' : c))
    .join('#');
}

export interface ProfileDirOptions {
  /** Version number of the .gcda files (10*major + minor): mangling exists from GCC 9. */
  versionNumber: number;
  /**
   * The absolute directory the root of the input tree stands for. A copy of
   * /sys/kernel/debug/gcov holds each object under its absolute build path, so the default
   * is '/'.
   */
  pathPrefix?: string;
  /** GCC 11+ -fprofile-prefix-path: this prefix (and the '/' after it) is removed before mangling. */
  profilePrefixPath?: string;
  /** GCC < 9: the directory the objects were compiled in; names are relative to it. */
  buildRoot?: string;
  /**
   * Objects compiled through a '..' path: the resolved absolute path (without .gcda), as the
   * kernel's DebugFS names it, mapped to the path GCC saw (cwd + '/' + the -o name).
   */
  compiledPaths?: ReadonlyMap<string, string>;
}

/** The object's absolute path without ".gcda", as the instrumented build compiled it (resolved). */
export function objectPathOf(relPath: string, pathPrefix = '/'): string {
  return posix.join(pathPrefix, relPath).replace(/\.gcda$/, '');
}

/**
 * The name, relative to the profile directory, under which GCC of this version looks for
 * the .gcda of the object at relPath (reference §9.4, coverage.c coverage_init).
 */
export function profileDirName(relPath: string, options: ProfileDirOptions): string {
  const resolved = objectPathOf(relPath, options.pathPrefix);
  const compiled = options.compiledPaths?.get(resolved) ?? resolved;
  if (options.versionNumber < 90) {
    // GCC <= 8: -fprofile-dir=D gives D/ + the relative auxiliary name, unmangled.
    const root = options.buildRoot;
    if (!root) throw new Error('GCC 8 and older name profiles relative to the build directory: give --build-root DIR');
    const rel = stripPrefix(resolved, root);
    if (rel === undefined) throw new Error(`${relPath}: object ${resolved} is not below the build root ${root}`);
    return `${rel}.gcda`;
  }
  let name = compiled;
  if (options.profilePrefixPath) {
    const rel = stripPrefix(compiled, options.profilePrefixPath);
    if (rel === undefined) throw new Error(`${relPath}: object ${compiled} does not start with the profile prefix path ${options.profilePrefixPath}`);
    name = rel;
  }
  return `${mangleGccPath(name)}.gcda`;
}

function stripPrefix(path: string, prefix: string): string | undefined {
  const p = prefix.replace(/\/+$/, '');
  if (!path.startsWith(p + '/')) return undefined;
  return path.slice(p.length).replace(/^\/+/, '');
}

/**
 * Reads a kbuild object tree's `.NAME.o.cmd` files (`cmd_PATH.o := ...` or, from Linux 6.3,
 * `savedcmd_PATH.o := ...`) and returns, for every object compiled through a '..' path,
 * its resolved absolute path mapped to the one GCC saw. buildDir is the object tree to read
 * (the kernel's objtree, or a copy of its .cmd files); builtAt the absolute directory make
 * ran in when the objects were compiled (default: buildDir).
 */
export function kbuildCompiledPaths(buildDir: string, builtAt: string = buildDir): Map<string, string> {
  const map = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(p);
      } else if (e.name.startsWith('.') && e.name.endsWith('.o.cmd')) {
        const text = readFileSync(p, 'latin1');
        const m = /^(?:saved)?cmd_(\S+)\.o\s*:=/m.exec(text.slice(0, 4096));
        if (!m || !m[1]!.split('/').includes('..')) continue;
        const compiled = builtAt.replace(/\/+$/, '') + '/' + m[1]!;
        map.set(posix.normalize(compiled), compiled);
      }
    }
  };
  walk(buildDir);
  return map;
}
