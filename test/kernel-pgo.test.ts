/**
 * kernel-pgo/: the parts of the kernel PGO loop that run without a VM. Shell syntax of every
 * script, the kconfig fragments and their verification, the guest init script, the guest root
 * (when the Debian packages are installed), summarize + profile-dir layout on a stored UML harvest
 * (including the objects compiled through '..'), the no-summary control, the coverage report,
 * the parsers, the statistics and the chart. The VM stages (builds, boots, benchmark) are not here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { haveTool } from './helpers/tools.js';
import { FIXTURES, REPO, findFiles } from './helpers/paths.js';
// @ts-expect-error plain .mjs script without types
import * as A from '../kernel-pgo/analyze.mjs';
// @ts-expect-error plain .mjs script without types
import * as R from '../kernel-pgo/report.mjs';
// @ts-expect-error plain .mjs script without types
import { stripSummary } from '../kernel-pgo/raw-profile.mjs';

const KPGO = join(REPO, 'kernel-pgo');
const UML_FIXTURE = join(FIXTURES, 'kernel/uml-harvest.tar.gz');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tarax-kpgo-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env } });

function scripts(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...scripts(p, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(p);
  }
  return out;
}

describe('shell scripts', () => {
  const bashScripts = scripts(KPGO, ['.sh']).filter((p) => !p.includes('/guest/'));
  it('there are scripts for every stage', () => {
    const names = bashScripts.map((p) => p.slice(KPGO.length + 1));
    for (const s of ['run-all.sh', 'packages.sh', 'prepare-source.sh', 'mkroot.sh', 'build-uml.sh', 'boot-uml.sh', 'harvest-uml.sh', 'summarize.sh', 'bench.sh', 'make-fixture.sh', 'x86/build-x86.sh', 'x86/harvest-x86.sh']) {
      expect(names).toContain(s);
    }
  });
  it.each(bashScripts.map((p) => [p.slice(KPGO.length + 1), p]))('%s: bash -n, strict mode, executable', (_n, p) => {
    const r = sh('bash', ['-n', p]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const text = readFileSync(p, 'utf8');
    // strict mode directly or through lib.sh (which sets it); kbuild.sh/lib.sh are sourced
    if (!/(lib|kbuild)\.sh$/.test(p)) {
      expect(text.startsWith('#!/bin/bash\n')).toBe(true);
      expect(statSync(p).mode & 0o111).not.toBe(0);
      expect(/set -euo pipefail|\. "\$\(dirname "\$0"\)\/(\.\.\/)?lib\.sh"/.test(text)).toBe(true);
    } else {
      expect(text).toMatch(/shell=bash/);
    }
  });
  it('lib.sh sets strict mode', () => {
    expect(readFileSync(join(KPGO, 'lib.sh'), 'utf8')).toMatch(/^set -euo pipefail$/m);
  });
  it('the guest init script is valid POSIX sh (and busybox sh when installed)', () => {
    const init = join(KPGO, 'guest/init.sh');
    expect(sh('sh', ['-n', init]).status).toBe(0);
    if (haveTool('busybox', 'busybox-static')) expect(sh('busybox', ['sh', '-n', init]).status).toBe(0);
  });
  it('node scripts parse', () => {
    for (const p of scripts(KPGO, ['.mjs'])) expect(sh(process.execPath, ['--check', p]).status).toBe(0);
  });
  it('python helper compiles', () => {
    if (!haveTool('python3', 'python3')) return;
    const py = sh('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', join(KPGO, 'runtimed.py')]);
    expect(py.status).toBe(0);
  });
  it('packages.sh installs every Debian package a script or the docs name', () => {
    const list = sh('bash', [join(KPGO, 'packages.sh'), '--list']).stdout.trim().split('\n');
    // the packages the scripts' error messages tell the user to install
    const named = new Set<string>();
    for (const p of bashScripts) {
      for (const m of readFileSync(p, 'utf8').matchAll(/apt-get install ([a-z0-9. +-]+)\)/g)) m[1]!.trim().split(/\s+/).forEach((x) => named.add(x));
    }
    expect(named.size).toBeGreaterThan(3);
    for (const n of named) expect(list).toContain(n);
    // the docs print the same list
    const docs = readFileSync(join(REPO, 'docs/kernel-pgo.md'), 'utf8').replace(/\s+/g, ' ');
    expect(docs).toContain('`' + list.join(' ') + '`');
  });
  it('run-all.sh rejects an unknown stage before doing anything', () => {
    const w = join(tmp, 'w-unknown');
    const r = sh('bash', [join(KPGO, 'run-all.sh'), w, 'no-such-stage']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown stage 'no-such-stage'/);
  });
});

describe('kconfig fragments', () => {
  const frag = (arch: string, variant: string) => sh('bash', [join(KPGO, 'kconfig-fragment.sh'), arch, variant]);
  it('UML instrumented: -O2, hostfs, DebugFS and whole-kernel gcov', () => {
    const r = frag('um', 'gcov');
    expect(r.status).toBe(0);
    for (const l of ['CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y', '# CONFIG_CC_OPTIMIZE_FOR_SIZE is not set', 'CONFIG_HOSTFS=y', 'CONFIG_DEBUG_FS=y', 'CONFIG_TMPFS=y', 'CONFIG_GCOV_KERNEL=y', 'CONFIG_GCOV_PROFILE_ALL=y', 'CONFIG_DEBUG_INFO_NONE=y']) {
      expect(r.stdout.split('\n')).toContain(l);
    }
  });
  it.each(['vanilla', 'pgo', 'pgo-A', 'nosum-A'])('UML %s: same base, gcov off', (v) => {
    const r = frag('um', v);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('# CONFIG_GCOV_KERNEL is not set');
    expect(r.stdout).not.toMatch(/^CONFIG_GCOV/m);
    // everything but the gcov lines is shared with the instrumented build
    const strip = (s: string) => s.split('\n').filter((l) => l.startsWith('CONFIG_') && !l.includes('GCOV'));
    expect(strip(r.stdout)).toEqual(strip(frag('um', 'gcov').stdout));
  });
  it('x86_64: tinyconfig additions for qemu, the virtio harvest disk and the servers', () => {
    const r = frag('x86_64', 'gcov');
    expect(r.status).toBe(0);
    for (const l of ['CONFIG_64BIT=y', 'CONFIG_VIRTIO_BLK=y', 'CONFIG_VIRTIO_PCI=y', 'CONFIG_SERIAL_8250_CONSOLE=y', 'CONFIG_BLK_DEV_INITRD=y', 'CONFIG_EPOLL=y', 'CONFIG_FUTEX=y', 'CONFIG_GCOV_PROFILE_ALL=y', 'CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y']) {
      expect(r.stdout.split('\n')).toContain(l);
    }
  });
  it('unknown arch or variant: exit 2', () => {
    expect(frag('arm', 'gcov').status).toBe(2);
    expect(frag('um', 'instrumented').status).toBe(2);
  });
  it('kconfig_verify accepts a matching .config and names each mismatch', () => {
    const dir = join(tmp, 'kv');
    mkdirSync(dir, { recursive: true });
    const fragment = frag('um', 'gcov').stdout;
    writeFileSync(join(dir, 'frag'), fragment);
    const good = fragment.split('\n').filter((l) => l.startsWith('CONFIG_')).join('\n') + '\nCONFIG_OTHER=y\n';
    writeFileSync(join(dir, 'good'), good);
    writeFileSync(join(dir, 'bad'), good.replace('CONFIG_GCOV_PROFILE_ALL=y', '# CONFIG_GCOV_PROFILE_ALL is not set').replace('CONFIG_HOSTFS=y\n', ''));
    const verify = (cfg: string) =>
      sh('bash', ['-c', `. "${KPGO}/lib.sh"; . "${KPGO}/kbuild.sh"; kconfig_verify "$1" "$2"`, 'x', join(dir, cfg), join(dir, 'frag')]);
    expect(verify('good').status).toBe(0);
    const r = verify('bad');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("wanted 'CONFIG_GCOV_PROFILE_ALL=y' got '# CONFIG_GCOV_PROFILE_ALL is not set'");
    expect(r.stderr).toContain("wanted 'CONFIG_HOSTFS=y' got '<absent>'");
  });
  it('the PGO build adds exactly -fprofile-use, -fprofile-dir and -Wno-error=coverage-mismatch', () => {
    const r = sh('bash', ['-c', `. "${KPGO}/lib.sh"; . "${KPGO}/kbuild.sh"; profile_flags /p/A`]);
    expect(r.stdout).toBe('-fprofile-use -fprofile-dir=/p/A -Wno-error=coverage-mismatch');
  });
  it('the UML start-up patch removes exactly the pr_info of __gcov_init and is idempotent', () => {
    const src = join(tmp, 'ksrc/kernel/gcov');
    mkdirSync(src, { recursive: true });
    const orig = 'void __gcov_init(struct gcov_info *info)\n{\n\tif (!gcov_version) {\n\t\tgcov_version = gcov_info_version(info);\n\t\tpr_info("version magic: 0x%x\\n", gcov_version);\n\t}\n}\n';
    writeFileSync(join(src, 'gcc_base.c'), orig);
    const run = () => sh('bash', [join(KPGO, 'patch-gcov-uml.sh'), join(tmp, 'ksrc')]);
    expect(run().status).toBe(0);
    const once = readFileSync(join(src, 'gcc_base.c'), 'utf8');
    expect(once).not.toContain('pr_info(');
    expect(once.split('\n').length).toBe(orig.split('\n').length);
    expect(run().status).toBe(0);
    expect(readFileSync(join(src, 'gcc_base.c'), 'utf8')).toBe(once);
  });
});

describe('guest init script', () => {
  const init = readFileSync(join(KPGO, 'guest/init.sh'), 'utf8');
  it('mounts what the workloads and the harvest need, brings up lo, resets the counters, powers off', () => {
    for (const s of ['mount -t proc proc /proc', 'mount -t sysfs sysfs /sys', 'mount -t debugfs debugfs /sys/kernel/debug', 'mount -t tmpfs', 'ifconfig lo 127.0.0.1', 'echo 1 > $gcov/reset', 'poweroff -f', 'reboot -f']) {
      expect(init).toContain(s);
    }
  });
  it('copies every .gcda with cat (DebugFS reports size 0), keeping the DebugFS tree', () => {
    expect(init).toContain('cat < "$f" > "$dest/$f"');
    expect(init).toContain("find . -name '*.gcda'");
    expect(init).not.toMatch(/cp -a \$gcov|tar c\S* .*\/sys\/kernel\/debug/);
  });
  it('runs both workloads with server and load generator over lo and prints one parseable result line', () => {
    expect(init).toMatch(/redis-server --bind 127\.0\.0\.1/);
    expect(init).toMatch(/redis-benchmark -h 127\.0\.0\.1/);
    expect(init).toMatch(/nginx -p \/tmp\/nginx/);
    expect(init).toMatch(/wrk -t1 .*http:\/\/127\.0\.0\.1:8080\//);
    expect(init.match(/echo "KPGO-RESULT workload=/g)?.length).toBe(2);
  });
  it('workload A: the overall rate from redis-benchmark --csv is total requests over total time', () => {
    // the awk program of the init script, run on a sample of redis-benchmark 7.0 --csv output
    const awk = /awk -F, -v n="\$a_requests" '([^']+)'/.exec(init)![1]!;
    const csv = '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n"SET","10000.00","0.9","0.1","0.8","1.5","2.0","5.0"\n"GET","20000.00","0.5","0.1","0.4","0.9","1.2","3.0"\n';
    const r = spawnSync('awk', ['-F,', '-v', 'n=20000', awk], { input: csv.replace(/"/g, ''), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(Number(r.stdout)).toBeCloseTo((2 * 20000) / (20000 / 10000 + 20000 / 20000), 1);
  });
  it('guest parameters come from the environment or /proc/cmdline, with defaults', () => {
    for (const p of ['workload', 'harvest', 'a_requests', 'a_clients', 'b_seconds', 'b_connections', 'off']) expect(init).toContain(`${p}=*`);
  });
});

describe('guest root (needs busybox-static, redis-server, redis-tools, nginx, wrk)', () => {
  it('mkroot.sh builds a root with init.sh, busybox applets, the servers and their libraries', () => {
    const tools: [string, string][] = [['busybox', 'busybox-static'], ['redis-server', 'redis-server'], ['redis-benchmark', 'redis-tools'], ['redis-cli', 'redis-tools'], ['nginx', 'nginx'], ['wrk', 'wrk']];
    // every tool is checked (and named) before the test gives up
    if (!tools.map(([t, p]) => haveTool(t, p)).every(Boolean)) return;
    const w = join(tmp, 'w-root');
    const r = sh('bash', [join(KPGO, 'mkroot.sh'), w]);
    expect(r.status, r.stderr).toBe(0);
    const root = join(w, 'root');
    expect(statSync(join(root, 'init.sh')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(root, 'init.sh'), 'utf8')).toBe(readFileSync(join(KPGO, 'guest/init.sh'), 'utf8'));
    for (const p of ['bin/busybox', 'bin/sh', 'bin/poweroff', 'bin/ifconfig', 'usr/bin/redis-server', 'usr/bin/redis-benchmark', 'usr/sbin/nginx', 'usr/bin/wrk', 'lib64/ld-linux-x86-64.so.2', 'etc/passwd', 'harvest', 'proc', 'sys', 'dev', 'tmp']) {
      expect(existsSync(join(root, p)), p).toBe(true);
    }
    // every library the servers load is in the root at its own path
    for (const b of ['usr/bin/redis-server', 'usr/sbin/nginx', 'usr/bin/wrk']) {
      const libs = execFileSync('ldd', [join(root, b)], { encoding: 'utf8' }).split('\n').map((l) => /=> (\/\S+)/.exec(l)?.[1]).filter(Boolean) as string[];
      for (const l of libs) expect(existsSync(join(root, l)), l).toBe(true);
    }
    // second run: skipped, init.sh refreshed
    const again = sh('bash', [join(KPGO, 'mkroot.sh'), w]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/skip: .*init\.sh refreshed/);
  });
});

describe('benchmark results: parsing and statistics', () => {
  const header = 'round\tseq\tkernel\twork' + 'load\tvalue\twall\tutime\tstime\tload1_before\tload1_after\tutc';
  const line = (r: number, s: number, k: string, w: string, v: number, u = 1) => [r, s, k, w, v, 12.5, u, 20, 0.5, 0.6, '2026-01-01T00:00:00Z'].join('\t');
  it('parseResults reads bench.sh lines (CRLF tolerated) and refuses malformed ones', () => {
    const rows = A.parseResults(`${header}\r\n${line(1, 1, 'vanilla', 'A', 100)}\r\n${line(1, 2, 'pgo-A', 'A', 110)}\n`);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ round: 1, seq: 2, kernel: 'pgo-A', workload: 'A', value: 110, utime: 1, stime: 20 });
    expect(() => A.parseResults(`${header}\n1\t2\tvanilla\n`)).toThrow(/3 fields/);
    expect(() => A.parseResults(`${header}\n${line(1, 1, 'vanilla', 'A', 100).replace('\t100\t', '\tabc\t')}\n`)).toThrow(/value is not a number/);
  });
  it('parseConsole finds the guest result line in a CRLF console log', () => {
    const r = A.parseConsole('boot...\r\nKPGO workload A start\r\nKPGO-RESULT workload=A metric=rps value=12345.6 tests=5 requests=20000 clients=10\r\nKPGO POWEROFF\r\n');
    expect(r).toMatchObject({ workload: 'A', metric: 'rps', value: 12345.6 });
    expect(r.fields.tests).toBe('5');
    expect(A.parseConsole('nothing here')).toBeUndefined();
  });
  it('median, mean, sd and the t-interval agree with hand-computed values', () => {
    expect(A.median([3, 1, 2])).toBe(2);
    expect(A.median([4, 1, 3, 2])).toBe(2.5);
    expect(A.sd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.13809, 4);
    const [lo, hi] = A.tInterval([1, 2, 3, 4, 5]);
    // mean 3, sd 1.5811, t(4) = 2.776: 3 -/+ 1.963
    expect(lo).toBeCloseTo(3 - 1.963, 2);
    expect(hi).toBeCloseTo(3 + 1.963, 2);
    expect(A.t975(1)).toBe(12.706);
    expect(A.t975(100)).toBeCloseTo(1.984, 2);
  });
  it('the bootstrap interval is reproducible, contains the mean and narrows with more data', () => {
    const r = A.rng(7);
    const xs = Array.from({ length: 40 }, () => r() - 0.5);
    const a = A.bootstrapInterval(xs, A.mean, { seed: 3 });
    expect(A.bootstrapInterval(xs, A.mean, { seed: 3 })).toEqual(a);
    expect(a[0]).toBeLessThan(A.mean(xs));
    expect(a[1]).toBeGreaterThan(A.mean(xs));
    const big = [...xs, ...xs, ...xs, ...xs];
    const b = A.bootstrapInterval(big, A.mean, { seed: 3 });
    expect(b[1] - b[0]).toBeLessThan(a[1] - a[0]);
  });
  it('pairs each kernel with vanilla of the same round and workload; cells give ratios, CIs and pairs faster', () => {
    const rows = [];
    let s = 0;
    for (let r = 1; r <= 10; r++) {
      const drift = 1 + 0.1 * Math.sin(r); // machine drift common to the round
      rows.push({ round: r, seq: ++s, kernel: 'vanilla', workload: 'A', value: 1000 * drift, wall: 12, utime: 2, stime: 20, load1_before: 0.1, load1_after: 0.2 });
      rows.push({ round: r, seq: ++s, kernel: 'pgo-A', workload: 'A', value: 1000 * drift * (r === 3 ? 0.99 : 1.02), wall: 12, utime: 1.8, stime: 20, load1_before: 0.1, load1_after: 0.2 });
    }
    rows.push({ round: 11, seq: ++s, kernel: 'pgo-A', workload: 'A', value: 5000, wall: 12, utime: 1, stime: 1, load1_before: 0, load1_after: 0 }); // unpaired
    const ps = A.pairs(rows, 'pgo-A', 'A');
    expect(ps).toHaveLength(10);
    const cs = A.cells(rows);
    const v = cs.find((c: { kernel: string }) => c.kernel === 'vanilla');
    const p = cs.find((c: { kernel: string }) => c.kernel === 'pgo-A');
    expect(v.ratio).toBeUndefined();
    expect(p.boots).toBe(11);
    expect(p.pairs).toBe(10);
    expect(p.faster).toBe(9);
    expect(p.ratio).toBeCloseTo(Math.exp((9 * Math.log(1.02) + Math.log(0.99)) / 10), 6);
    expect(p.ciT[0]).toBeLessThan(p.ratio);
    expect(p.ciT[1]).toBeGreaterThan(p.ratio);
    expect(p.ciBoot[0]).toBeLessThanOrEqual(p.ratio);
    expect(p.utimeRatio).toBeCloseTo(0.9, 6);
    expect(A.markdownTable(cs)).toMatch(/\| A \| pgo-A \| 11 \| .* \| 9\/10 \|/);
  });
  it('the chart is an SVG with one point per boot and a legend entry per kernel', () => {
    const rows = A.parseResults([header, line(1, 1, 'vanilla', 'A', 100), line(1, 2, 'pgo-A', 'A', 110), line(1, 3, 'vanilla', 'B', 50), line(1, 4, 'pgo-A', 'B', 40)].join('\n'));
    const svg = A.svgChart(rows);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain('workload A');
    expect(svg).toContain('workload B');
    expect(svg).toContain('>pgo-A</text>');
  });
  it('analyze.mjs writes results.md, results.json and chart.svg', () => {
    const d = join(tmp, 'an');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'results.tsv'), [header, line(1, 1, 'vanilla', 'A', 100), line(1, 2, 'pgo-A', 'A', 110), line(2, 3, 'pgo-A', 'A', 108), line(2, 4, 'vanilla', 'A', 101)].join('\n') + '\n');
    const r = sh(process.execPath, [join(KPGO, 'analyze.mjs'), join(d, 'results.tsv'), d]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['results.md', 'results.json', 'chart.svg']) expect(existsSync(join(d, f))).toBe(true);
    expect(JSON.parse(readFileSync(join(d, 'results.json'), 'utf8'))[1]).toMatchObject({ kernel: 'pgo-A', pairs: 2, faster: 2 });
  });
});

describe('build report parsers', () => {
  it('size -A: the code sections', () => {
    const text = 'vmlinux.o  :\nsection   size   addr\n.text   1000   0\n.text.hot   200   0\n.text.unlikely   300   0\n.text.startup 7 0\n.data 50 0\nTotal 1557\n';
    const s = R.parseSizeA(text);
    expect(s.get('.data')).toBe(50);
    expect(R.codeSections(s)).toEqual({ text: 1000, hot: 200, unlikely: 300, allText: 1507 });
  });
  it('kbuild .cmd lines: C objects only, with their exact -o path', () => {
    const lines = [
      'cmd_kernel/fork.o := gcc -Wp,-MMD,kernel/.fork.o.d -O2 -fprofile-arcs -c -o kernel/fork.o /s/kernel/fork.c',
      'cmd_arch/x86/um/../lib/csum-partial_64.o := gcc -O2 -c -o arch/x86/um/../lib/csum-partial_64.o /s/arch/x86/um/../lib/csum-partial_64.c',
      'cmd_arch/x86/um/setjmp_64.o := gcc -D__ASSEMBLY__ -c -o arch/x86/um/setjmp_64.o /s/arch/x86/um/setjmp_64.S',
      'cmd_kernel/built-in.a := rm -f kernel/built-in.a; ar cDPrST kernel/built-in.a kernel/fork.o',
      // x86_64: objtool runs after the compile in the same command
      'cmd_kernel/exit.o := gcc -O2 -c -o kernel/exit.o /s/kernel/exit.c  ; ./tools/objtool/objtool --orc --static-call   kernel/exit.o',
      'cmd_scripts/mod/modpost.o := gcc -O2 -c -o scripts/mod/modpost.o /s/scripts/mod/modpost.c',
      'cmd_/o/tools/objtool/check.o := gcc -O2 -c -o /o/tools/objtool/check.o /s/tools/objtool/check.c',
    ].join('\n');
    expect(R.parseCmdLines(lines).map((o: { obj: string }) => o.obj)).toEqual(['kernel/fork', 'arch/x86/um/../lib/csum-partial_64', 'kernel/exit']);
  });
  it('-Wmissing-profile warnings name the profile files GCC did not find', () => {
    const log = "/s/arch/um/os-Linux/util.c: warning: '/p/A/#o#arch#um#os-Linux#util.gcda' profile count data file not found [-Wmissing-profile]\n";
    expect(R.missingProfiles(log)).toEqual(['#o#arch#um#os-Linux#util.gcda']);
    const utf8 = '/s/kernel/bounds.c:35:1: warning: \u2018/p/A/#o#kernel#bounds.gcda\u2019 profile count data file not found [-Wmissing-profile]\n';
    expect(R.missingProfiles(utf8 + log)).toEqual(['#o#kernel#bounds.gcda', '#o#arch#um#os-Linux#util.gcda']);
    expect(R.mangle('/o/arch/x86/um/../lib/csum-partial_64')).toBe('#o#arch#x86#um#^#lib#csum-partial_64');
  });
  it('coverage: found, never instrumented, not harvested, not compiled with -fprofile-use', () => {
    const cmd = (o: string, flags: string) => `cmd_${o}.o := gcc ${flags} -c -o ${o}.o /s/${o}.c`;
    const gcov = [cmd('kernel/fork', '-fprofile-arcs'), cmd('arch/x86/um/../lib/csum-partial_64', '-fprofile-arcs'), cmd('arch/um/os-Linux/util', ''), cmd('lib/empty', '-fprofile-arcs')].join('\n');
    const pgo = [cmd('kernel/fork', '-fprofile-use'), cmd('arch/x86/um/../lib/csum-partial_64', '-fprofile-use'), cmd('arch/um/os-Linux/util', '-fprofile-use'), cmd('lib/empty', '-fprofile-use'), cmd('arch/x86/um/vdso/um_vdso', '')].join('\n');
    const c = R.coverage({
      cmdLines: pgo,
      gcovCmdLines: gcov,
      profileFiles: ['#o#kernel#fork.gcda', '#o#arch#x86#um#^#lib#csum-partial_64.gcda', '#o#arch#x86#lib#csum-partial_64.gcda'],
      objtree: '/o',
      buildLog: "x: warning: '/p/#o#arch#um#os-Linux#util.gcda' profile count data file not found [-Wmissing-profile]\n",
    });
    expect(c.compiled).toBe(5);
    expect(c.withProfile).toBe(2);
    expect(c.throughDotDot).toEqual(['arch/x86/um/../lib/csum-partial_64']);
    expect(c.without.map((w: { obj: string }) => w.obj)).toEqual(['arch/um/os-Linux/util', 'lib/empty', 'arch/x86/um/vdso/um_vdso']);
    expect(c.without[0].reason).toMatch(/never instrumented/);
    expect(c.without[1].reason).toMatch(/no \.gcda in the harvest/);
    expect(c.without[2].reason).toMatch(/without -fprofile-use/);
    expect(c.missingProfileWarnings).toBe(1);
    expect(c.unusedProfileFiles).toEqual(['#o#arch#x86#lib#csum-partial_64.gcda']);
  });
});

describe('summarize + profile-dir layout on a stored UML harvest (fixtures/kernel/uml-harvest.tar.gz)', () => {
  let fx: string;
  let obj: string;
  let harvest: string;
  let gcdas: string[];
  /** resolved object path (as DebugFS names it) -> path as compiled (with '..'), relative to obj/ */
  const compiledOf = new Map<string, string>();
  beforeAll(() => {
    fx = join(tmp, 'fx');
    mkdirSync(fx, { recursive: true });
    execFileSync('tar', ['xzf', UML_FIXTURE, '-C', fx]);
    obj = join(fx, 'obj');
    harvest = join(fx, 'harvest');
    gcdas = findFiles(harvest, ['.gcda']).map((p) => p.slice(harvest.length + 1));
    for (const l of readFileSync(join(fx, 'compiled-objects.txt'), 'utf8').split('\n')) {
      const o = l.split(' ')[0];
      if (o) compiledOf.set(posix.normalize(o.replace(/\.o$/, '')), o.replace(/\.o$/, ''));
    }
  });
  const summarizeTo = (out: string, extra: string[]) =>
    runCli('gcda-summarize', [harvest, '-o', out, '--layout', 'profile-dir', '--path-prefix', obj, '--profile-prefix-path', obj, '--json', ...extra]);

  it('the fixture is small and holds objects compiled through ..', () => {
    expect(statSync(UML_FIXTURE).size).toBeLessThan(200_000);
    expect(gcdas.length).toBeGreaterThan(40);
    expect(gcdas).toContain('arch/x86/lib/csum-partial_64.gcda');
    expect(gcdas).toContain('arch/x86/kernel/module.gcda');
    expect(existsSync(join(obj, 'arch/x86/um/../lib/.csum-partial_64.o.cmd'))).toBe(true);
    expect(compiledOf.get('arch/x86/lib/csum-partial_64')).toBe('arch/x86/um/../lib/csum-partial_64');
  });
  it('--kbuild gives every object the name GCC asks for, the .. objects with #^#', () => {
    const out = join(tmp, 'prof-kbuild');
    const r = summarizeTo(out, ['--kbuild', obj]);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.files).toBe(gcdas.length);
    expect(rep.compiledThroughDotDot).toBe(2);
    const names = readdirSync(out).sort();
    expect(names).toContain('arch#x86#um#^#lib#csum-partial_64.gcda');
    expect(names).toContain('arch#x86#um#^#kernel#module.gcda');
    expect(names).not.toContain('arch#x86#lib#csum-partial_64.gcda');
    // every name is the mangled path the build compiled (kbuild's -o path), and nothing else
    const expected = gcdas.map((g) => `${R.mangle(compiledOf.get(g.replace(/\.gcda$/, '')) ?? g.replace(/\.gcda$/, ''))}.gcda`).sort();
    expect(names).toEqual(expected);
  });
  it('without --kbuild the .. objects get the resolved name, which GCC would not find', () => {
    const out = join(tmp, 'prof-plain');
    const r = summarizeTo(out, []);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).compiledThroughDotDot).toBe(0);
    expect(readdirSync(out)).toContain('arch#x86#lib#csum-partial_64.gcda');
    expect(readdirSync(out)).not.toContain('arch#x86#um#^#lib#csum-partial_64.gcda');
  });
  it('one run: runs 1 and sum_max = the largest arc counter of the harvest, in every file', () => {
    // the largest arc counter, read without the library: header, then (tag, byte length, payload)
    let max = 0n;
    for (const g of gcdas) {
      const b = readFileSync(join(harvest, g));
      for (let pos = 16; pos + 8 <= b.length; ) {
        const tag = b.readUInt32LE(pos);
        const len = b.readUInt32LE(pos + 4);
        if (tag === 0x01a10000) for (let i = 0; i < len; i += 8) max = b.readBigInt64LE(pos + 8 + i) > max ? b.readBigInt64LE(pos + 8 + i) : max;
        pos += 8 + len;
      }
    }
    expect(max).toBeGreaterThan(0n);
    const r = summarizeTo(join(tmp, 'prof-sum'), ['--kbuild', obj]);
    const rep = JSON.parse(r.stdout);
    expect(rep.summary.runs).toBe(1);
    expect(BigInt(rep.summary.sumMax)).toBe(max);
  });
  it('the no-summary control (raw-profile.mjs) gives back the kernel bytes under the same names', () => {
    const out = join(tmp, 'prof-kbuild');
    const raw = join(tmp, 'prof-raw');
    const r = sh(process.execPath, [join(KPGO, 'raw-profile.mjs'), out, raw]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(raw).sort()).toEqual(readdirSync(out).sort());
    const byName = new Map(gcdas.map((g) => [`${R.mangle(compiledOf.get(g.replace(/\.gcda$/, '')) ?? g.replace(/\.gcda$/, ''))}.gcda`, g]));
    for (const n of readdirSync(raw)) {
      const orig = readFileSync(join(harvest, byName.get(n)!));
      expect(Buffer.compare(readFileSync(join(raw, n)), orig), n).toBe(0);
      expect(Buffer.compare(stripSummary(readFileSync(join(out, n))), orig)).toBe(0);
      expect(readFileSync(join(out, n)).length).toBe(orig.length + 20); // summary record + end marker
    }
  });
  it('coverage of a PGO build over the fixture: .. objects found, host-side objects never instrumented', () => {
    const gcovLines = findFiles(obj, ['.cmd']).map((p) => readFileSync(p, 'utf8').trim());
    const pgoLines = gcovLines.map((l) => l.replace(/-fprofile-arcs -ftest-coverage/g, '-fprofile-use -fprofile-dir=/p'));
    // one host-side object, compiled with -fprofile-use but never instrumented
    gcovLines.push('cmd_arch/um/os-Linux/util.o := gcc -O2 -c -o arch/um/os-Linux/util.o /s/arch/um/os-Linux/util.c');
    pgoLines.push('cmd_arch/um/os-Linux/util.o := gcc -O2 -fprofile-use -c -o arch/um/os-Linux/util.o /s/arch/um/os-Linux/util.c');
    const c = R.coverage({
      cmdLines: pgoLines.join('\n'),
      gcovCmdLines: gcovLines.join('\n'),
      profileFiles: readdirSync(join(tmp, 'prof-kbuild')).map((n) => `${R.mangle(obj)}#${n}`),
      objtree: obj,
      buildLog: '',
    });
    expect(c.withProfile).toBe(gcdas.length);
    expect(c.throughDotDot.sort()).toEqual(['arch/x86/um/../kernel/module', 'arch/x86/um/../lib/csum-partial_64']);
    expect(c.without).toEqual([{ obj: 'arch/um/os-Linux/util', reason: expect.stringMatching(/never instrumented/) }]);
    expect(c.unusedProfileFiles).toEqual([]);
  });
});
