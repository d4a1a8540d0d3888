import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { SingleBar } from 'cli-progress';
import { decodeVersion } from '../format/version.js';
import { readGcda } from '../model/gcda.js';
import { readGcno } from '../model/gcno.js';
import {
  ProgramSummaryBuilder,
  summarizedParts,
  summaryTarget,
  type ProgramSummary,
  type SummarizeOptions,
  type SummaryTarget,
  summaryRecords,
} from '../algorithms/summary.js';
import type { SummaryRecord } from '../model/gcda.js';
import { collectInputs, isTarball, type InputFile } from '../tree/inputs.js';
import { IoHelper, KeptReads, writeFiles } from '../tree/io-helper.js';
import { kbuildCompiledPaths, objectPathOf, profileDirName, type OutputLayout } from '../tree/layout.js';
import { outputPath, TreeWriter } from '../tree/output.js';
import { positiveInteger, progressBarOnStderr, runCli } from './common.js';

/**
 * With helper threads (-j), the main thread's share of the files to read and to write, as a
 * fraction of an equal share: it also scans every file read, and makes the helpers' lists of
 * pieces to write. Measured on the 20,424-file tree, 2 CPUs (docs/performance.md).
 */
const READ_SHARE = 0.5;
const WRITE_SHARE = 0.9;
/** The summary records before of a file that had none (one array for all). */
const NO_SUMMARY: readonly SummaryRecord[] = [];

interface Options {
  output?: string;
  inPlace?: boolean;
  layout: OutputLayout;
  pathPrefix: string;
  profilePrefixPath?: string;
  buildRoot?: string;
  kbuild?: string;
  force?: boolean;
  producer: 'auto' | 'gcc' | 'llvm';
  keepZeroChecksum?: boolean;
  endMarker: boolean;
  json?: boolean;
  quiet?: boolean;
  progress: boolean;
  jobs: number;
}

const GENERATION_TEXT: Record<ProgramSummary['generation'], string> = {
  'gcc-9': 'GCC 9+ OBJECT_SUMMARY (runs, sum_max)',
  'gcc-4.8': 'GCC 4.8-8 PROGRAM_SUMMARY with histogram',
  'gcc-4.7': 'GCC 4.7 PROGRAM_SUMMARY',
  'gcc-3.4': 'GCC 3.4-4.6 OBJECT_SUMMARY and PROGRAM_SUMMARY',
  llvm: "LLVM runtime's run count",
};

export async function main(argv: string[]): Promise<number> {
  const program = new Command('gcda-summarize')
    .description(
      'Compute the summary records that a kernel harvest (the .gcda files copied out of /sys/kernel/debug/gcov) lacks, ' +
        'over all files together as one run of one program, and write them into every file, as libgcov does at exit.',
    )
    .argument('<inputs...>', 'harvest directories, .tar/.tar.gz archives of one, or single .gcda files (.gcno files are read for their build directory)')
    .option('-o, --output <dir>', 'write the summarized files into this directory')
    .option('--in-place', 'rewrite the input files themselves (directories and files only)')
    .addOption(new Option('--layout <layout>', 'output names: mirror the input tree, or the names GCC reads under -fprofile-use -fprofile-dir=OUT').choices(['mirror', 'profile-dir']).default('mirror'))
    .option('--path-prefix <dir>', 'absolute directory that the root of the input tree stands for (a copy of /sys/kernel/debug/gcov: /)', '/')
    .option('--profile-prefix-path <dir>', 'profile-dir layout, GCC 9+: strip this build directory from the names; rebuild with -fprofile-prefix-path=<dir> (GCC 11+)')
    .option('--build-root <dir>', 'profile-dir layout: the absolute directory the objects were compiled in (default: the .gcno cwd); names GCC 8 and older objects, and places the --kbuild paths')
    .option('--kbuild <objtree>', "profile-dir layout: read the kernel build's .*.o.cmd files for objects compiled through a '..' path")
    .option('--force', 'recompute files that already carry a summary and replace it (the differences are reported)')
    .addOption(new Option('--producer <who>', 'runtime whose summary to write; auto recognises LLVM-written files').choices(['auto', 'gcc', 'llvm']).default('auto'))
    .option('--keep-zero-checksum', 'GCC 12+: leave the zero object checksum of kernel files as it is (default: fill it in as the compiler computes it)')
    .option('--no-end-marker', 'do not add the end-of-file zero word that libgcov writes and the kernel omits')
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'print nothing on success')
    .option('--no-progress', 'no progress bar (it is shown on a terminal only)')
    .option('-j, --jobs <n>', 'threads reading and writing files: N-1 helper threads make part of the system calls; 2 is faster for large trees on disk, for some 20 MiB more memory', positiveInteger, 1)
    .showHelpAfterError('(gcda-summarize --help lists the options)');
  return runCli(program, argv, async (inputs: string[], opts: Options) => {
    const started = performance.now();
    if (!opts.output === !opts.inPlace) program.error('gcda-summarize: give exactly one of -o OUT and --in-place');
    if (opts.inPlace && opts.layout !== 'mirror') program.error('gcda-summarize: --in-place rewrites the inputs where they are: it cannot be combined with --layout profile-dir');
    if (opts.inPlace && inputs.some(isTarball)) program.error('gcda-summarize: --in-place cannot rewrite a tarball: use -o OUT');

    const { files, skipped } = await collectInputs(inputs);
    const gcdas = files.filter((f) => f.relPath.endsWith('.gcda')).sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
    const gcnos = files.filter((f) => f.relPath.endsWith('.gcno'));
    if (gcdas.length === 0) throw new Error(`no .gcda files in ${inputs.join(', ')}`);
    const bar = progressBar(opts, gcdas.length);
    // Helper threads make part of the system calls (IoHelper), for large trees on disk. Not by
    // default: every file stays in memory between the passes, and a helper's 20 MiB would
    // take the 20,000-file tree over its memory target (docs/performance.md).
    const helpers = IoHelper.forFiles(gcdas, opts.jobs);
    try {

      // Pass 1: read and check every file, computing the program summary as we go. Nothing is
      // written until every input has been read, so bad input leaves no partial output.
      const sumOptions: SummarizeOptions = {
        producer: opts.producer,
        existing: opts.force ? 'replace' : 'refuse',
        fillObjectChecksum: !opts.keepZeroChecksum,
        endMarker: opts.endMarker,
      };
      const builder = new ProgramSummaryBuilder(sumOptions);
      const kept: Array<{ input: InputFile; bytes: Uint8Array; target: SummaryTarget; before: readonly SummaryRecord[] }> = [];
      let bytesIn = 0;
      bar?.start(gcdas.length, 0, { phase: 'reading' });
      // The main thread reads the first files, the helpers the others, in order; the main
      // thread also scans every file, so it reads half a share (READ_SHARE).
      const reads = new KeptReads(gcdas, helpers, READ_SHARE);
      for (const input of gcdas) {
        const bytes = await reads.next();
        bytesIn += bytes.length;
        // A kernel harvest's file is scanned where it is; any other is read into a model.
        const scanned = builder.addBytes(input.source, bytes);
        if (scanned) {
          kept.push({ input, bytes, target: scanned, before: NO_SUMMARY });
        } else {
          const file = readGcda(bytes, { file: input.source });
          builder.add(input.source, file, objectPathOf(input.relPath, opts.pathPrefix) + '.gcda');
          const before = file.records.filter((r): r is SummaryRecord => r.type === 'summary');
          kept.push({ input, bytes, target: summaryTarget(file), before });
        }
        bar?.increment();
      }
      const { summary, warnings } = builder.finish();
      const versionNumber = decodeVersion(summary.version)!.number;

      // Where each file goes.
      const buildDirs = new Set<string>();
      for (const g of gcnos) {
        try {
          const cwd = readGcno(await g.read(), { file: g.source }).cwd;
          if (cwd) buildDirs.add(cwd);
        } catch {
          // A .gcno is only read for its build directory; a damaged one is reported, not fatal.
          warnings.push(`${g.source}: not a readable .gcno, ignored`);
        }
      }
      const buildRoot = opts.buildRoot ?? (buildDirs.size === 1 ? [...buildDirs][0] : undefined);
      // The .cmd paths are relative to the object tree as it was when the kernel was built: a
      // copy of it elsewhere is placed by the build root (given, or from the .gcno files).
      const compiledPaths = opts.kbuild ? kbuildCompiledPaths(resolve(opts.kbuild), buildRoot) : undefined;
      let compiledThroughDotDot = 0;
      const destinations = kept.map(({ input }) => {
        if (opts.inPlace) return input.source;
        if (opts.layout === 'mirror') return outputPath(opts.output!, input.relPath);
        if (compiledPaths?.has(objectPathOf(input.relPath, opts.pathPrefix))) compiledThroughDotDot++;
        const name = profileDirName(input.relPath, {
          versionNumber,
          pathPrefix: opts.pathPrefix,
          profilePrefixPath: opts.profilePrefixPath,
          buildRoot,
          compiledPaths,
        });
        return outputPath(opts.output!, name);
      });
      const seen = new Map<string, string>();
      destinations.forEach((d, i) => {
        const prev = seen.get(d);
        if (prev) throw new Error(`${kept[i]!.input.source} and ${prev} would both be written to ${d}`);
        seen.set(d, kept[i]!.input.source);
      });

      // Pass 2: write.
      bar?.stop();
      bar?.start(kept.length, 0, { phase: 'writing' });
      const writer = new TreeWriter(opts.inPlace ? undefined : opts.output);
      let filled = 0;
      let replacedFiles = 0;
      for (const { target } of kept) {
        if (target.checksum === 0 && target.objectChecksum !== null && summary.generation === 'gcc-9' && !opts.keepZeroChecksum) filled++;
        if (target.hasSummary) replacedFiles++;
      }
      const partOptions = { ...sumOptions, file: '' };
      const parts = (i: number) => {
        partOptions.file = kept[i]!.input.source; // (names the file in an error)
        return summarizedParts(kept[i]!.bytes, summary, partOptions, kept[i]!.target);
      };
      // The helpers write the last files, the main thread the first (WRITE_SHARE of a share:
      // it also makes the helpers' lists).
      try {
        await writeFiles(writer, kept.length, (i) => ({ path: destinations[i]!, pieces: parts(i) }), helpers, {
          ownShare: WRITE_SHARE,
          progress: (n) => bar?.update(n),
        });
        writer.commit();
      } catch (e) {
        writer.abort();
        throw e;
      }
      bar?.stop();
      await IoHelper.closeAll(helpers);

      // Existing summaries that --force replaced, and how they differ from the recomputed one.
      const changed: Array<{ file: string; before: string; after: string }> = [];
      for (const k of kept) {
        if (!k.target.hasSummary) continue;
        const before = k.before.map(summaryText).join('; ');
        const after = summaryRecords({ version: k.target.version }, summary).map(summaryText).join('; ');
        if (before !== after) changed.push({ file: k.input.source, before, after });
      }

      const dangling = skipped.filter((s) => s.reason.startsWith('symbolic link'));
      const hints: string[] = [];
      if (opts.layout === 'profile-dir') {
        const where = buildRoot ?? 'BUILD_DIR';
        if (versionNumber >= 90 && !opts.profilePrefixPath) {
          hints.push(
            `rebuild with -fprofile-use -fprofile-dir=${resolve(opts.output!)} in the same directory as the instrumented build (${where}); ` +
              `to rebuild elsewhere, summarize with --profile-prefix-path ${where} and add -fprofile-prefix-path=${where}`,
          );
        } else {
          hints.push(
            `rebuild with -fprofile-use -fprofile-dir=${resolve(opts.output!)}${opts.profilePrefixPath ? ` -fprofile-prefix-path=${opts.profilePrefixPath}` : ''}`,
          );
        }
        if (buildDirs.size > 1) hints.push(`the .gcno files name ${buildDirs.size} build directories: ${[...buildDirs].slice(0, 3).join(', ')}`);
        if (!opts.kbuild) hints.push("objects compiled through a '..' path (kbuild does this for a few) need --kbuild OBJTREE to get the name GCC asks for");
      }
      const elapsed = (performance.now() - started) / 1000;
      const report = {
        files: kept.length,
        bytes: bytesIn,
        version: summary.versionText,
        generation: summary.generation,
        functions: builder.stats.functions,
        counters: builder.stats.counters,
        arcs: builder.stats.arcs,
        summary: {
          runs: summary.runs,
          sumMax: summary.sumMaxWritten.toString(),
          runMax: summary.runMax.toString(),
          ...(summary.generation === 'gcc-9' || summary.generation === 'llvm'
            ? {}
            : {
                num: summary.num,
                sumAll: summary.sumAll.toString(),
                checksum: summary.checksum,
                histogram: summary.histogram && {
                  occupiedBuckets: summary.histogram.length,
                  buckets: summary.histogram.map((b) => ({ index: b.index, num: b.num, min: b.min.toString(), cum: b.cum.toString() })),
                },
              }),
        },
        objectChecksumsFilled: filled,
        replacedSummaries: replacedFiles,
        changedSummaries: changed,
        skipped: skipped.map((s) => ({ source: s.source, reason: s.reason })),
        gcnoRead: gcnos.length,
        buildDirectories: [...buildDirs],
        layout: opts.inPlace ? 'in-place' : opts.layout,
        output: opts.inPlace ? null : resolve(opts.output!),
        compiledThroughDotDot,
        warnings,
        hints,
        elapsedSeconds: Number(elapsed.toFixed(3)),
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return 0;
      }
      for (const w of warnings) process.stderr.write(`gcda-summarize: warning: ${w}\n`);
      if (opts.quiet) return 0;
      const n = (x: number) => x.toLocaleString('en-US');
      const v = decodeVersion(summary.version)!;
      const lines = [
        `gcda-summarize: ${n(kept.length)} .gcda files (${n(bytesIn)} bytes), version '${v.text}' (${summary.generation === 'llvm' ? 'LLVM' : `GCC ${v.major}.${v.minor}`}): ${GENERATION_TEXT[summary.generation]}`,
        `  functions ${n(builder.stats.functions)}, counters ${n(builder.stats.counters)} (arcs ${n(builder.stats.arcs)})`,
      ];
      if (summary.generation === 'gcc-9') lines.push(`  summary: runs ${summary.runs}, sum_max ${summary.sumMaxWritten} (the largest arc counter of the run)`);
      else if (summary.generation === 'llvm') lines.push(`  summary: runs ${summary.runs} (LLVM's runtime writes no other summary field)`);
      else {
        lines.push(`  summary: checksum 0x${summary.checksum!.toString(16).padStart(8, '0')}, num ${n(summary.num)}, runs ${summary.runs}, sum_all ${summary.sumAll}, run_max ${summary.runMax}, sum_max ${summary.sumMax}`);
        if (summary.histogram) lines.push(`  histogram: ${summary.histogram.length} of 252 buckets occupied`);
      }
      if (filled) lines.push(`  object checksum filled in for ${n(filled)} files (the kernel writes 0)`);
      if (replacedFiles) {
        lines.push(`  replaced the existing summary of ${n(replacedFiles)} files (--force); ${n(changed.length)} of them differed from the recomputed one`);
        for (const c of changed.slice(0, 5)) lines.push(`    ${c.file}: ${c.before} -> ${c.after}`);
        if (changed.length > 5) lines.push(`    ... and ${n(changed.length - 5)} more (--json lists them all)`);
      }
      if (dangling.length) lines.push(`  skipped ${n(dangling.length)} .gcno symbolic links that point nowhere on this host (DebugFS links into the harvest host's build tree)`);
      const other = skipped.length - dangling.length;
      if (other) lines.push(`  skipped ${n(other)} other inputs (${skipped.find((s) => !s.reason.startsWith('symbolic link'))!.reason})`);
      if (compiledThroughDotDot) lines.push(`  ${n(compiledThroughDotDot)} objects compiled through a '..' path were named as GCC asks for them`);
      lines.push(`  wrote ${n(kept.length)} files ${opts.inPlace ? 'in place' : `to ${opts.output} (layout ${opts.layout})`} in ${elapsed.toFixed(2)} s`);
      for (const h of hints) lines.push(`  hint: ${h}`);
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    } finally {
      // (closed already after writing, unless something failed before)
      await IoHelper.closeAll(helpers);
    }
  });
}

function progressBar(opts: Options, total: number): SingleBar | null {
  if (!opts.progress || opts.quiet || opts.json || !process.stderr.isTTY || total < 200) return null;
  return progressBarOnStderr('gcda-summarize {phase} [{bar}] {value}/{total} files');
}

/** One summary record in a line, for reports. */
function summaryText(r: SummaryRecord): string {
  if (r.layout === 'runs') return `runs=${r.runs} sum_max=${r.sumMax}`;
  if (r.layout === 'llvm-runs') return `runs=${r.runs}`;
  const a = r.arcs;
  return `checksum=0x${r.checksum.toString(16)} num=${a.num} runs=${a.runs} sum_all=${a.sumAll} run_max=${a.runMax} sum_max=${a.sumMax}${a.histogram ? ` histogram=${a.histogram.length} buckets` : ''}`;
}
