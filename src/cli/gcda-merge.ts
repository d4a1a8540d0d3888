import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { decodeVersion, versionText } from '../format/version.js';
import { readGcda, type GcdaFile } from '../model/gcda.js';
import { applySummary, ProgramSummaryBuilder, type ProgramSummary } from '../algorithms/summary.js';
import { mergeGcda, weightGcda, MergeError, type MergeMismatch, type MismatchPolicy } from '../algorithms/merge.js';
import { collectInputs, type InputFile } from '../tree/inputs.js';
import { outputPath, TreeWriter } from '../tree/output.js';
import { writeGcda } from '../model/gcda.js';
import { runCli } from './common.js';

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

/** One object of the accumulation: its merged model and the inputs it came from. */
interface Accumulated {
  file: GcdaFile;
  sources: string[];
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
    let version: { word: number; source: string } | null = null;
    let functionsOnlyNewer = 0;
    let functionsOnlyOlder = 0;
    const bar = !opts.progress || opts.quiet || opts.json || !process.stderr.isTTY ? null : new SingleBar({ stream: process.stderr, format: 'gcda-merge [{bar}] input {value}/{total} {file}', hideCursor: true, clearOnComplete: true });
    bar?.start(specs.length, 0, { file: '' });

    // One input at a time: read it whole (and check it), then fold it into the accumulation,
    // so memory holds the accumulation and one input, whatever the number of inputs.
    for (const spec of specs) {
      bar?.update({ file: spec.path });
      const { files, skipped } = await collectInputs([spec.path], { extensions: ['.gcda'] });
      if (files.length === 0) throw new Error(`${spec.path}: no .gcda files`);
      let run = await readRun(files);
      for (const r of run) {
        if (!version) version = { word: r.file.version, source: r.input.source };
        else if (r.file.version !== version.word) {
          throw new MergeError(
            `files of two gcov versions: ${version.source} is version '${versionText(version.word)}' and ${r.input.source} is '${versionText(r.file.version)}': refused`,
          );
        }
      }
      const withSummary = run.filter((r) => r.file.records.some((x) => x.type === 'summary')).length;
      let summarized = false;
      if (withSummary === 0) {
        if (!opts.summarize) {
          throw new MergeError(
            `${spec.path}: no summary records (a kernel harvest?): libgcov cannot merge into such files; add --summarize to summarize each input as one run first, or run gcda-summarize on it`,
          );
        }
        run = summarizeRun(run);
        summarized = true;
      } else if (withSummary < run.length) {
        const lacking = run.find((r) => !r.file.records.some((x) => x.type === 'summary'))!;
        throw new MergeError(`${lacking.input.source}: has no summary record while other files of ${spec.path} do: refused`);
      }
      for (const { input, file } of run) {
        const weighted = weightGcda(file, spec.weight);
        const prev = acc.get(input.relPath);
        if (!prev) {
          acc.set(input.relPath, { file: weighted, sources: [input.source] });
          continue;
        }
        const llvmRuns = opts.llvmFirstObject === undefined || opts.llvmFirstObject === input.relPath ? 'sum' : 'older';
        const r = mergeGcda(weighted, prev.file, {
          name: `${input.relPath} (${prev.sources[prev.sources.length - 1]} then ${input.source})`,
          onMismatch: opts.onMismatch,
          llvmRuns,
        });
        prev.file = r.file;
        prev.sources.push(input.source);
        mismatches.push(...r.mismatches);
        functionsOnlyNewer += r.onlyNewer;
        functionsOnlyOlder += r.onlyOlder;
      }
      perInput.push({ input: spec.path, weight: spec.weight, files: run.length, summarized, skipped: skipped.length });
      bar?.increment();
    }
    bar?.stop();

    // Write: every object, in path order, into a staged tree renamed into place.
    const names = [...acc.keys()].sort();
    const writer = new TreeWriter(opts.output);
    try {
      for (const n of names) writer.write(outputPath(opts.output, n), writeGcda(acc.get(n)!.file));
      writer.commit();
    } catch (e) {
      writer.abort();
      throw e;
    }

    const partial = names.filter((n) => acc.get(n)!.sources.length < specs.length);
    const sample = acc.get(names[0]!)!.file.records.find((r) => r.type === 'summary');
    const runs = sample ? (sample.layout === 'counters' ? sample.arcs.runs : sample.runs) : null;
    const elapsed = (performance.now() - started) / 1000;
    const report = {
      inputs: perInput,
      objects: names.length,
      version: version ? versionText(version.word) : null,
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
    const v = version ? decodeVersion(version.word) : undefined;
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

async function readRun(files: InputFile[]): Promise<Array<{ input: InputFile; file: GcdaFile }>> {
  const out: Array<{ input: InputFile; file: GcdaFile }> = [];
  for (const input of files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))) {
    out.push({ input, file: readGcda(await input.read(), { file: input.source }) });
  }
  return out;
}

/** One input as one run of one program: the summary over all its files, written into each. */
function summarizeRun(run: Array<{ input: InputFile; file: GcdaFile }>): Array<{ input: InputFile; file: GcdaFile }> {
  const b = new ProgramSummaryBuilder();
  for (const r of run) b.add(r.input.source, r.file, '/' + r.input.relPath);
  const summary: ProgramSummary = b.finish().summary;
  return run.map((r) => ({ input: r.input, file: applySummary(r.file, summary).file }));
}
