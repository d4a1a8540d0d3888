import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { decodeVersion, versionText } from '../format/version.js';
import { frameGcda, readGcda } from '../model/gcda.js';
import { ProgramSummaryBuilder, isSummary, summarizedBytes, summaryTarget, type ProgramSummary, type SummaryTarget } from '../algorithms/summary.js';
import { mergeGcdaBytes, ScratchBuffer } from '../algorithms/merge-bytes.js';
import { mergeGcda, weightGcda, MergeError, type MergeMismatch, type MismatchPolicy } from '../algorithms/merge.js';
import { collectInputs, ReusingReader, type InputFile } from '../tree/inputs.js';
import { outputPath, TreeWriter } from '../tree/output.js';
import { writeGcda } from '../model/gcda.js';
import { collectGarbage, progressBarOnStderr, runCli } from './common.js';

interface Options {
  output: string;
  weights?: string;
  inputFiles?: string[];
  summarize?: boolean;
  onMismatch: MismatchPolicy;
  llvmFirstObject?: string;
  json?: boolean;
  quiet?: boolean;
  progress: boolean;
}

/** One input profile (a tree, a tarball or a file) with its weight. */
interface InputSpec {
  path: string;
  weight: number;
}

/** One object of the accumulation: its merged file, encoded, how many inputs held it, the last one. */
interface Accumulated {
  bytes: Uint8Array;
  inputs: number;
  lastSource: string;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('gcda-merge')
    .description(
      'Merge profile runs exactly as libgcov accumulates them in place: the inputs are runs in the order they ran, ' +
        'oldest first; objects are matched by their path in each input tree.',
    )
    .argument('[inputs...]', 'run profiles, oldest first: directories, .tar/.tar.gz archives or single .gcda files')
    .requiredOption('-o, --output <dir>', 'write the merged tree into this directory')
    .option('-w, --weights <list>', "integer weights, one per input (gcov-tool merge -w): each input's counts and runs count that many times")
    .option('-f, --input-files <file>', 'read more inputs from a file, one per line: PATH or WEIGHT,PATH (as llvm-profdata merge)', collect, [])
    .option('--summarize', 'summarize each input without summary records (a kernel harvest) as one run before merging it')
    .addOption(new Option('--on-mismatch <policy>', 'function checksums, counter counts or object stamps that differ: refuse, or keep the newest or the oldest side').choices(['refuse', 'newest', 'oldest']).default('refuse'))
    .option('--llvm-first-object <path>', "LLVM-written files: the object the program registers first (first on the link line); reproduces LLVM's runtime, which adds a run to that object only")
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'print nothing on success')
    .option('--no-progress', 'no progress bar (it is shown on a terminal only)')
    .showHelpAfterError('(gcda-merge --help lists the options)');
  return runCli(program, argv, async (positional: string[], opts: Options) => {
    const started = performance.now();
    const specs = inputSpecs(positional, opts, (m) => program.error(`gcda-merge: ${m}`));
    if (specs.length === 0) program.error('gcda-merge: no inputs');

    const acc = new Map<string, Accumulated>();
    const mismatches: MergeMismatch[] = [];
    const perInput: Array<{ input: string; weight: number; files: number; summarized: boolean; skipped: number }> = [];
    const seen: { version: { word: number; source: string } | null } = { version: null };
    let functionsOnlyNewer = 0;
    let functionsOnlyOlder = 0;
    const bar = !opts.progress || opts.quiet || opts.json || !process.stderr.isTTY ? null : progressBarOnStderr('gcda-merge [{bar}] input {value}/{total} {file}');
    bar?.start(specs.length, 0, { file: '' });

    // One input at a time, one file at a time: the accumulation is kept as encoded bytes (a
    // model per object would cost several times the tree's size), each object is decoded,
    // merged with the input's file and encoded again. Memory holds the accumulation and one
    // input file, whatever the number of inputs.
    const reader = new ReusingReader();
    const scratch = new ScratchBuffer();
    for (const spec of specs) {
      bar?.update({ file: spec.path });
      const { files, skipped } = await collectInputs([spec.path], { extensions: ['.gcda'] });
      if (files.length === 0) throw new Error(`${spec.path}: no .gcda files`);
      files.sort((x, y) => (x.relPath < y.relPath ? -1 : x.relPath > y.relPath ? 1 : 0));
      const checkSummaryPresence = (input: InputFile, has: boolean) => {
        if (has !== (hasSummaries || summary !== null)) {
          throw new MergeError(`${input.source}: ${hasSummaries ? 'has no summary record while' : 'has a summary record while'} ${files[0]!.source} ${hasSummaries ? 'has one' : 'has none'}: refused`);
        }
      };
      const checkVersion = (input: InputFile, file: { version: number }) => {
        const known = seen.version;
        if (!known) seen.version = { word: file.version, source: input.source };
        else if (file.version !== known.word) {
          throw new MergeError(
            `files of two gcov versions: ${known.source} is version '${versionText(known.word)}' and ${input.source} is '${versionText(file.version)}': refused`,
          );
        }
      };
      // The first file tells whether this input carries summaries; all of its files must agree.
      const hasSummaries = frameGcda(await files[0]!.read(), { file: files[0]!.source }).hasSummary;
      let summary: ProgramSummary | null = null;
      const targets = new Map<string, SummaryTarget>();
      if (!hasSummaries) {
        if (!opts.summarize) {
          throw new MergeError(
            `${spec.path}: no summary records (a kernel harvest?): libgcov cannot merge into such files; add --summarize to summarize each input as one run first, or run gcda-summarize on it`,
          );
        }
        // An extra pass: the summary of this run is over all of its files.
        const b = new ProgramSummaryBuilder();
        for (const input of files) {
          const bytes = await reader.read(input);
          const scanned = b.addBytes(input.source, bytes); // a kernel harvest's file: no model
          if (scanned) {
            checkVersion(input, scanned);
            targets.set(input.relPath, scanned);
            continue;
          }
          const file = readGcda(bytes, { file: input.source });
          checkVersion(input, file);
          b.add(input.source, file, '/' + input.relPath);
          targets.set(input.relPath, summaryTarget(file));
        }
        summary = b.finish().summary;
      }
      for (const input of files) {
        // Read into a reused buffer: every path below copies what it keeps.
        let bytes = await reader.read(input);
        if (summary) bytes = summarizedBytes(bytes, summary, { file: input.source }, targets.get(input.relPath));
        const prev = acc.get(input.relPath);
        // The common case (same objects, add/ior counters, GCC 9+): merged on the bytes,
        // into a reused buffer, then copied over the accumulation when the size is the same.
        if (prev && spec.weight === 1) {
          const merged = mergeGcdaBytes(bytes, prev.bytes, scratch);
          if (merged) {
            if (merged.length === prev.bytes.length) prev.bytes.set(merged);
            else prev.bytes = merged.slice();
            prev.inputs++;
            prev.lastSource = input.source;
            continue;
          }
        }
        if (!prev && spec.weight === 1) {
          // The first input of an object is kept as it is: only its framing, version and
          // summary need checking, not a model.
          const framing = frameGcda(bytes, { file: input.source });
          checkVersion(input, { version: framing.version.word });
          checkSummaryPresence(input, framing.hasSummary);
          acc.set(input.relPath, { bytes: bytes.slice(), inputs: 1, lastSource: input.source });
          continue;
        }
        const file = readGcda(bytes, { file: input.source });
        checkVersion(input, file);
        checkSummaryPresence(input, file.records.some(isSummary));
        const weighted = weightGcda(file, spec.weight);
        if (!prev) {
          // A copy: a tarball member is a view of the whole archive, which must not stay alive.
          acc.set(input.relPath, { bytes: weighted === file ? bytes.slice() : writeGcda(weighted), inputs: 1, lastSource: input.source });
          continue;
        }
        const llvmRuns = opts.llvmFirstObject === undefined || opts.llvmFirstObject === input.relPath ? 'sum' : 'older';
        let r;
        try {
          r = mergeGcda(weighted, readGcda(prev.bytes, { file: input.relPath }), { name: input.relPath, onMismatch: opts.onMismatch, llvmRuns, reuseOlder: true });
        } catch (e) {
          if (e instanceof MergeError) throw new MergeError(`${e.message} (merging ${input.source} into the accumulation ending with ${prev.lastSource})`);
          throw e;
        }
        prev.bytes = writeGcda(r.file);
        prev.inputs++;
        prev.lastSource = input.source;
        mismatches.push(...r.mismatches);
        functionsOnlyNewer += r.onlyNewer;
        functionsOnlyOlder += r.onlyOlder;
      }
      // Before the next input: the garbage of this one, so that the peak does not grow with the number of inputs.
      if (spec !== specs[specs.length - 1] && files.length >= 1000) collectGarbage();
      if (process.env.TARAX_DEBUG_MEMORY) { collectGarbage(); const m = process.memoryUsage(); process.stderr.write(`after ${spec.path}: rss ${(m.rss / 1048576).toFixed(0)} heapUsed ${(m.heapUsed / 1048576).toFixed(0)} external ${(m.external / 1048576).toFixed(0)}\n`); }
      perInput.push({ input: spec.path, weight: spec.weight, files: files.length, summarized: summary !== null, skipped: skipped.length });
      bar?.increment();
    }
    bar?.stop();

    // Write: every object, in path order, into a staged tree renamed into place.
    const names = [...acc.keys()].sort();
    const writer = new TreeWriter(opts.output);
    try {
      for (const n of names) writer.write(outputPath(opts.output, n), acc.get(n)!.bytes);
      writer.commit();
    } catch (e) {
      writer.abort();
      throw e;
    }

    const partial = names.filter((n) => acc.get(n)!.inputs < specs.length);
    const sample = readGcda(acc.get(names[0]!)!.bytes).records.find((r) => r.type === 'summary');
    const runs = sample ? (sample.layout === 'counters' ? sample.arcs.runs : sample.runs) : null;
    const elapsed = (performance.now() - started) / 1000;
    const report = {
      inputs: perInput,
      objects: names.length,
      version: seen.version ? versionText(seen.version.word) : null,
      runs,
      objectsInSomeInputsOnly: partial.length,
      functionsOnlyInNewer: functionsOnlyNewer,
      functionsOnlyInOlder: functionsOnlyOlder,
      mismatches,
      output: resolve(opts.output),
      elapsedSeconds: Number(elapsed.toFixed(3)),
    };
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    if (opts.quiet) return 0;
    const v = seen.version ? decodeVersion(seen.version.word) : undefined;
    const lines = [
      `gcda-merge: ${specs.length} inputs, ${names.length} objects, version '${v?.text}'${runs !== null ? `, runs ${runs}` : ''}`,
      ...perInput.map((p, i) => `  ${i + 1}. ${p.input}: ${p.files} files${p.weight !== 1 ? `, weight ${p.weight}` : ''}${p.summarized ? ', summarized as one run' : ''}`),
    ];
    if (partial.length) lines.push(`  ${partial.length} objects are in only some inputs (kept with what those inputs hold)`);
    if (functionsOnlyNewer + functionsOnlyOlder) lines.push(`  functions in only one side of a merge (kept): ${functionsOnlyNewer} newer, ${functionsOnlyOlder} older`);
    if (mismatches.length) {
      lines.push(`  ${mismatches.length} mismatches resolved by --on-mismatch ${opts.onMismatch}:`);
      for (const m of mismatches.slice(0, 5)) lines.push(`    ${m.name}: ${m.ident === null ? '' : `function ${m.ident}: `}${m.what}`);
    }
    lines.push(`  wrote ${names.length} files to ${opts.output} in ${elapsed.toFixed(2)} s`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function inputSpecs(positional: string[], opts: Options, fail: (m: string) => never): InputSpec[] {
  const specs: InputSpec[] = positional.map((path) => ({ path, weight: 1 }));
  for (const list of opts.inputFiles ?? []) {
    for (const raw of readFileSync(list, 'utf8').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const m = /^(\d+),(.+)$/.exec(line);
      specs.push(m ? { path: m[2]!, weight: Number(m[1]) } : { path: line, weight: 1 });
    }
  }
  if (opts.weights !== undefined) {
    const ws = opts.weights.split(',').map((w) => w.trim());
    if (ws.length !== specs.length) fail(`--weights gives ${ws.length} weights for ${specs.length} inputs`);
    ws.forEach((w, i) => {
      if (!/^\d+$/.test(w) || Number(w) < 1) fail(`weight "${w}" is not a positive integer (gcov-tool's weights are integers)`);
      specs[i]!.weight = Number(w);
    });
  }
  return specs;
}
