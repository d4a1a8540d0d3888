#!/usr/bin/env node
// Build report: build times, section sizes (size -A) and profile coverage of every kernel, plus the
// benchmark table when it exists. Also the parsers the tests use.
// usage: node report.mjs WORKDIR                 (markdown on stdout)
//        node report.mjs coverage CMDLINES GCOV_CMDLINES PROFILE_DIR OBJTREE BUILD_LOG   (JSON)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `size -A` output -> Map(section -> bytes). */
export function parseSizeA(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 3 && f[0].startsWith('.') && /^\d+$/.test(f[1])) m.set(f[0], Number(f[1]));
  }
  return m;
}

/** The code sections that show a profile's effect: .text, .text.hot, .text.unlikely (+ total). */
export function codeSections(sizes) {
  const sum = (pred) => [...sizes].filter(([k]) => pred(k)).reduce((a, [, v]) => a + v, 0);
  return {
    text: sizes.get('.text') ?? 0,
    hot: sum((k) => k === '.text.hot' || k.startsWith('.text.hot.')),
    unlikely: sum((k) => k === '.text.unlikely' || k.startsWith('.text.unlikely.')),
    allText: sum((k) => k === '.text' || k.startsWith('.text.')),
  };
}

/** GCC 9+ mangling of a path for -fprofile-dir (coverage.c): '/' -> '#', a '..' component -> '^'. */
export function mangle(path) {
  return path.split('/').map((c) => (c === '..' ? '^' : c)).join('#');
}

/**
 * First lines of kbuild's .*.o.cmd files ("cmd_OBJ.o := gcc ... -c -o OBJ.o SRC.c") -> the C
 * objects: [{obj, src, flags: Set-like string}]. Assembler and non-gcc commands are left out.
 */
export function parseCmdLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^(?:saved)?cmd_(\S+)\.o\s*:=\s*(.*)$/.exec(line);
    if (!m) continue;
    if (/^(scripts|tools)\//.test(m[1]) || m[1].includes('/tools/objtool/')) continue; // host programs of the build, not kernel code
    const cmd = m[2];
    // x86 appends '; ./tools/objtool/objtool ...' to the compile: the compile is the part before ';'
    const toks = cmd.split(';')[0].trim().split(/\s+/);
    const src = toks[toks.length - 1];
    if (!src.endsWith('.c') || !/(^|\/)(\S*-)?gcc(-\d+)?$/.test(toks[0]) || !toks.includes('-c')) continue;
    out.push({ obj: m[1], src, cmd });
  }
  return out;
}

/** Objects GCC reported without a profile: -Wmissing-profile warnings of a build log -> profile names. */
export function missingProfiles(buildLog) {
  const out = [];
  // GCC quotes with ‘…’ in a UTF-8 locale and '…' in the C locale
  const re = /[‘']([^’']+\.gcda)[’'] profile count data file not found \[-Wmissing-profile\]/g;
  for (const m of buildLog.matchAll(re)) out.push(m[1].split('/').pop());
  return [...new Set(out)];
}

/** Reason an object compiled under -fprofile-use got no profile. */
function reason(o, instrumented) {
  if (!o.cmd.includes('-fprofile-use')) return 'compiled without -fprofile-use (not kernel C flags)';
  const g = instrumented.get(o.obj);
  if (!g) return 'not compiled in the instrumented build';
  if (!g.includes('-fprofile-arcs')) return 'never instrumented (built without the gcov flags: USER_CFLAGS, GCOV_PROFILE := n, ...)';
  return 'instrumented, but no .gcda in the harvest (no gcov_info registered: object without functions or not linked)';
}

/**
 * Profile coverage of one PGO build: which compiled C objects found their .gcda under PROFILE_DIR
 * (the name GCC asks for: mangle(objtree/OBJ)), which did not and why.
 */
export function coverage({ cmdLines, gcovCmdLines, profileFiles, objtree, buildLog }) {
  const objs = parseCmdLines(cmdLines);
  const instrumented = new Map(parseCmdLines(gcovCmdLines).map((o) => [o.obj, o.cmd]));
  const files = new Set(profileFiles);
  const used = new Set();
  const withProfile = [];
  const without = [];
  for (const o of objs) {
    const name = `${mangle(`${objtree.replace(/\/+$/, '')}/${o.obj}`)}.gcda`;
    if (o.cmd.includes('-fprofile-use') && files.has(name)) {
      withProfile.push(o.obj);
      used.add(name);
    } else without.push({ obj: o.obj, reason: reason(o, instrumented) });
  }
  const warned = missingProfiles(buildLog);
  const reasons = {};
  for (const w of without) reasons[w.reason] = (reasons[w.reason] ?? 0) + 1;
  return {
    compiled: objs.length,
    withProfile: withProfile.length,
    throughDotDot: withProfile.filter((o) => o.split('/').includes('..')),
    without,
    reasons,
    missingProfileWarnings: warned.length,
    unusedProfileFiles: [...files].filter((f) => !used.has(f)),
  };
}

function readMaybeGz(p) {
  if (existsSync(p)) return readFileSync(p, 'utf8');
  if (existsSync(p + '.gz')) return gunzipSync(readFileSync(p + '.gz')).toString('utf8');
  return undefined;
}

const n0 = (x) => (x === undefined ? '–' : Number(x).toLocaleString('en-US'));

function kernelTable(dir, title, image) {
  if (!existsSync(dir)) return '';
  const names = readdirSync(dir).filter((k) => existsSync(join(dir, k, 'size.txt')));
  const order = ['gcov', 'vanilla', 'pgo-A', 'pgo-B', 'nosum-A', 'nosum-B'];
  names.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const lines = [
    `### ${title}`,
    '',
    `| kernel | build wall time s | build CPU s (user+sys of make's tree) | load1 before/after | ${image} .text | vmlinux.o .text | vmlinux.o .text.hot | vmlinux.o .text.unlikely | vmlinux.o all .text* |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const k of names) {
    const d = join(dir, k);
    const img = codeSections(parseSizeA(readFileSync(join(d, 'size.txt'), 'utf8')));
    const vo = existsSync(join(d, 'vmlinux.o.size.txt')) ? codeSections(parseSizeA(readFileSync(join(d, 'vmlinux.o.size.txt'), 'utf8'))) : {};
    const secs = existsSync(join(d, 'build-seconds')) ? Number(readFileSync(join(d, 'build-seconds'), 'utf8')).toFixed(0) : '–';
    const bt = existsSync(join(d, 'build-time.json')) ? JSON.parse(readFileSync(join(d, 'build-time.json'), 'utf8')) : undefined;
    const cpu = bt ? `${(bt.utime + bt.stime).toFixed(0)}` : '–';
    const load = bt ? `${bt.load1_before.toFixed(1)}/${bt.load1_after.toFixed(1)}` : '–';
    lines.push(`| ${k} | ${secs} | ${cpu} | ${load} | ${n0(img.text)} | ${n0(vo.text)} | ${n0(vo.hot)} | ${n0(vo.unlikely)} | ${n0(vo.allText)} |`);
  }
  return lines.join('\n') + '\n';
}

function coverageTable(dir, title) {
  if (!existsSync(dir)) return '';
  const lines = [`### ${title}`, '', '| kernel | C objects compiled | with a profile | of them through `..` | without | -Wmissing-profile warnings | reasons (count) |', '|---|---|---|---|---|---|---|'];
  let any = false;
  for (const k of readdirSync(dir).sort()) {
    const p = join(dir, k, 'coverage.json');
    if (!existsSync(p)) continue;
    any = true;
    const c = JSON.parse(readFileSync(p, 'utf8'));
    const rs = Object.entries(c.reasons).map(([r, n]) => `${r}: ${n}`).join('; ');
    lines.push(`| ${k} | ${c.compiled} | ${c.withProfile} | ${c.throughDotDot.length} (${c.throughDotDot.join(', ')}) | ${c.without.length} | ${c.missingProfileWarnings} | ${rs} |`);
  }
  return any ? lines.join('\n') + '\n' : '';
}

function main(argv) {
  if (argv[0] === 'coverage') {
    const [, cmd, gcovCmd, profileDir, objtree, log] = argv;
    const cov = coverage({
      cmdLines: readMaybeGz(cmd) ?? '',
      gcovCmdLines: readMaybeGz(gcovCmd) ?? '',
      profileFiles: readdirSync(profileDir).filter((f) => f.endsWith('.gcda')),
      objtree,
      buildLog: readFileSync(log, 'utf8'),
    });
    console.log(JSON.stringify(cov, null, 1));
    return 0;
  }
  const work = argv[0];
  if (!work) {
    console.error('usage: node report.mjs WORKDIR');
    return 2;
  }
  const parts = ['# kernel-pgo results', ''];
  parts.push(kernelTable(join(work, 'uml/kernels'), 'UML kernels (ARCH=um, -O2): build time and code sections', 'linux'));
  parts.push(coverageTable(join(work, 'uml/kernels'), 'UML: profile coverage of the PGO builds'));
  parts.push(kernelTable(join(work, 'x86/kernels'), 'x86_64 kernels (tinyconfig + fragment, -O2): build time and code sections', 'vmlinux'));
  parts.push(coverageTable(join(work, 'x86/kernels'), 'x86_64: profile coverage of the PGO builds'));
  const bench = join(work, 'bench/results.md');
  if (existsSync(bench)) parts.push('### UML benchmark (bench/results.tsv)\n\n' + readFileSync(bench, 'utf8'));
  console.log(parts.filter(Boolean).join('\n'));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv.slice(2)));
