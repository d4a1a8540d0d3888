import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { decodeVersion, versionText } from '../format/version.js';
import { frameGcda, readGcda } from '../model/gcda.js';
import { ProgramSummaryBuilder, isSummary, summarizedBytes, summaryTarget, type ProgramSummary, type SummaryTarget } from '../algorithms/summary.js';
import { mergeGcdaBytes, ScratchBuffer } from '../algorithms/merge-bytes.js';
import { mergeGcda, weightGcda, MergeError, type MergeMismatch, type MismatchPolicy } from '../algorithms/merge.js';
import { collectInputs, MatchedInputs, ReusingReader, type InputFile, type SkippedInput } from '../tree/inputs.js';
import { IoHelper, PrefetchedFiles } from '../tree/io-helper.js';
import { outputPath, TreeWriter } from '../tree/output.js';
import { writeGcda } from '../model/gcda.js';
import { collectGarbage, positiveInteger, progressBarOnStderr, runCli } from './common.js';

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
  jobs?: number;
}

/**
 * With helper threads, how many bytes of input files each batch read ahead holds (two
 * batches ahead of the one in use), counted at a kernel file's average size: memory for the
 * reads stays the same whatever the number of inputs.
 */
const PREFETCH_BYTES = 1 << 20;
const AVERAGE_FILE_BYTES = 3072;
/** With helper threads, the share of the objects the main thread merges alone (docs/performance.md). */
const MAIN_SHARE = 0.35;
/**
 * A helper is given files to write after this many objects, or after their inputs' files
 * have taken as many batches of reads (whose memory is released once written).
 */
const WRITE_BATCH = 256;

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
    .option('-j, --jobs <n>', 'threads: N-1 helpers read the input files ahead while the main thread merges and writes (default: 2 for 2,000 files or more on a machine with 2 CPUs or more, else 1)', positiveInteger)
    .showHelpAfterError('(gcda-merge --help lists the options)');
  return runCli(program, argv, async (positional: string[], opts: Options) => {
    const started = performance.now();
    const specs = inputSpecs(positional, opts, (m) => program.error(`gcda-merge: ${m}`));
    if (specs.length === 0) program.error('gcda-merge: no inputs');

    const mismatches: MergeMismatch[] = [];
    const seen: { version: { word: number; source: string } | null } = { version: null };
    let functionsOnlyNewer = 0;
    let functionsOnlyOlder = 0;
    const checkVersion = (input: InputFile, file: { version: number }) => {
      const known = seen.version;
      if (!known) seen.version = { word: file.version, source: input.source };
      else if (file.version !== known.word) {
        throw new MergeError(
          `files of two gcov versions: ${known.source} is version '${versionText(known.word)}' and ${input.source} is '${versionText(file.version)}': refused`,
        );
      }
    };

    // Object by object: every input's file of one object is folded, oldest first, and the
    // result written before the next object is read. Memory holds one object's files and the
    // inputs' file lists, whatever the number of inputs (a tarball input is held in memory,
    // as it is read in-process).
    const reader = new ReusingReader();
    const accReader = new ReusingReader();
    const outRoot = resolve(opts.output);
    const matched = new MatchedInputs();
    const inputs: MergeInput[] = [];
    // Helper threads read the input files ahead (IoHelper), made for the first large input.
    const helpers: IoHelper[] = [];
    const helpersFor = (files: number): IoHelper[] => {
      if (helpers.length === 0) for (let k = 1; k < IoHelper.threadsFor(files, opts.jobs); k++) helpers.push(new IoHelper());
      return helpers;
    };
    try {
      for (const spec of specs) {
        const input = await prepareInput(spec, matched, reader, opts, checkVersion, helpersFor);
        inputs.push(input);
        // What listing the input left (a tarball's or file's list; a directory walk's names and
        // paths) is garbage now, and old: without a full collection here, ten trees' lists piled
        // up before V8 made one, and merging 10 trees peaked 12-16 MiB above merging 2 although
        // the live memory was the same (measured when directories were listed as file lists too).
        if (matched.count(input.index) >= 1000) collectGarbage();
      }
      const order = matched.sorted();

      const bar = !opts.progress || opts.quiet || opts.json || !process.stderr.isTTY ? null : progressBarOnStderr('gcda-merge [{bar}] {value}/{total} objects');
      bar?.start(order.length, 0);
      const scratch = new ScratchBuffer();
      const writer = new TreeWriter(opts.output);
      // With helper threads, the main thread merges the first objects alone (MAIN_SHARE of
      // them: it also merges all the others), and the helpers read and write the others while
      // the main thread merges them: two loops on the main thread, the first yielding to the
      // second now and then.
      const helping = helpersFor(order.length).length > 0;
      const split = helping ? Math.round(order.length * MAIN_SHARE) : order.length;
      // The helpers' objects' files on disk, in the order mergeObject reads them.
      function* diskPaths(): Generator<string> {
        for (let i = split; i < order.length; i++) {
          for (const input of inputs) {
            const path = matched.pathOf(input.index, order[i]!);
            if (path !== undefined) yield path;
          }
        }
      }
      // Batches at least one object long (mergeObject keeps an object's files until it is done).
      const batchFiles = Math.max(inputs.length, Math.ceil(PREFETCH_BYTES / AVERAGE_FILE_BYTES));
      const ahead = helping ? new PrefetchedFiles(helpers, diskPaths(), { batchFiles, release: 'manual' }) : null;
      type ReadFile = (file: InputFile, first: boolean) => Promise<Uint8Array>;
      // Read into reused buffers. An object's first file has one of its own, where the
      // accumulation starts without a copy (it is written out before the next object is
      // read); later files use the other, and every path below copies what it keeps.
      const readHere: ReadFile = (file, first) => (first ? accReader : reader).read(file);
      // Read ahead by the helpers: a view of their shared memory, also merged into in place.
      const readAhead: ReadFile = (file) => (file.path !== undefined ? ahead!.next() : file.read());

      /** One object: every input's file of it, folded oldest first. */
      const mergeObject = async (id: number, read: ReadFile): Promise<Accumulated> => {
        const name = matched.names[id]!;
        let acc: Accumulated | null = null;
        for (const input of inputs) {
          const file = matched.file(input.index, id);
          if (file === undefined) continue;
          let bytes = await read(file, acc === null);
          if (input.summary) bytes = summarizedBytes(bytes, input.summary, { file: file.source }, input.targets[id]);
          if (acc === null) {
            acc = firstOfObject(file, bytes, input, checkVersion);
            continue;
          }
          // The common case (same objects, add/ior counters, GCC 9+): merged on the bytes,
          // into a reused buffer, then copied over the accumulation when the size is the same
          // (at once: the other loop uses the same scratch buffer).
          if (input.spec.weight === 1) {
            const merged = mergeGcdaBytes(bytes, acc.bytes, scratch);
            if (merged) {
              if (merged.length === acc.bytes.length) acc.bytes.set(merged);
              else acc.bytes = merged.slice();
              acc.inputs++;
              acc.lastSource = file.source;
              continue;
            }
          }
          const model = readGcda(bytes, { file: file.source });
          checkVersion(file, model);
          checkSummaryPresence(file, model.records.some(isSummary), input);
          const llvmRuns = opts.llvmFirstObject === undefined || opts.llvmFirstObject === name ? 'sum' : 'older';
          let r;
          try {
            r = mergeGcda(weightGcda(model, input.spec.weight), readGcda(acc.bytes, { file: name }), { name, onMismatch: opts.onMismatch, llvmRuns, reuseOlder: true });
          } catch (e) {
            if (e instanceof MergeError) throw new MergeError(`${e.message} (merging ${file.source} into the accumulation ending with ${acc.lastSource})`);
            throw e;
          }
          acc.bytes = writeGcda(r.file);
          acc.inputs++;
          acc.lastSource = file.source;
          mismatches.push(...r.mismatches);
          functionsOnlyNewer += r.onlyNewer;
          functionsOnlyOlder += r.onlyOlder;
        }
        if (acc!.inputs < inputs.length) partial++;
        return acc!;
      };

      let partial = 0;
      let sample: Uint8Array | null = null;
      let done = 0;
      let failed = false;
      const helperWritten = new Int32Array(new SharedArrayBuffer(4));
      const progress = () => bar?.update(done + Atomics.load(helperWritten, 0));
      let merged = 0;
      const objectMerged = () => {
        merged++;
        if (process.env.TARAX_DEBUG_MEMORY && merged % Math.ceil(order.length / 10) === 0) debugMemory(`after ${merged} objects`);
      };
      const ownLoop = async () => {
        for (let i = 0; i < split && !failed; i++) {
          const acc = await mergeObject(order[i]!, readHere);
          writer.write(outputPath(outRoot, matched.names[order[i]!]!), acc.bytes);
          if (i === 0) sample = acc.bytes.slice(); // (the accumulation may be a reused buffer)
          done++;
          objectMerged();
          if ((i & 31) === 31) {
            progress();
            // Let the other loop merge what the helpers have read meanwhile.
            if (helping) await new Promise((resolve) => setImmediate(resolve));
          }
        }
      };
      const helperWrites: Array<Promise<void>> = [];
      const helpersLoop = async () => {
        let files: Array<{ path: string; atomic: boolean; pieces: Uint8Array[] }> = [];
        for (let i = split; i < order.length && !failed; i++) {
          const acc = await mergeObject(order[i]!, readAhead);
          files.push({ ...writer.placement(outputPath(outRoot, matched.names[order[i]!]!)), pieces: [acc.bytes] });
          if (i === 0) sample = acc.bytes.slice();
          objectMerged();
          if ((i & 31) === 31) progress(); // (after the main thread's own objects, only this loop runs)
          if (files.length === WRITE_BATCH || files.length * inputs.length >= batchFiles || i === order.length - 1) {
            // The read memory of these objects is released once the helper has written them.
            const used = ahead!.takeConsumed();
            const written = helpers[helperWrites.length % helpers.length]!.write(files, helperWritten);
            helperWrites.push(written.then(() => PrefetchedFiles.release(used)));
            files = [];
          }
        }
      };
      try {
        const loops = await Promise.allSettled([ownLoop(), helpersLoop()].map((p) => p.catch((e) => ((failed = true), Promise.reject(e)))));
        const writes = await Promise.allSettled(helperWrites);
        for (const r of [...loops, ...writes]) if (r.status === 'rejected') throw r.reason;
        writer.commit();
      } catch (e) {
        writer.abort();
        throw e;
      } finally {
        bar?.stop();
      }

      const summaryRecord = sample ? readGcda(sample).records.find((r) => r.type === 'summary') : undefined;
      const runs = summaryRecord ? (summaryRecord.layout === 'counters' ? summaryRecord.arcs.runs : summaryRecord.runs) : null;
      const perInput = inputs.map((m) => ({ input: m.spec.path, weight: m.spec.weight, files: matched.count(m.index), summarized: m.summary !== null, skipped: m.skipped }));
      const elapsed = (performance.now() - started) / 1000;
      const report = {
        inputs: perInput,
        objects: order.length,
        version: seen.version ? versionText(seen.version.word) : null,
        runs,
        objectsInSomeInputsOnly: partial,
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
        `gcda-merge: ${specs.length} inputs, ${order.length} objects, version '${v?.text}'${runs !== null ? `, runs ${runs}` : ''}`,
        ...perInput.map((p, i) => `  ${i + 1}. ${p.input}: ${p.files} files${p.weight !== 1 ? `, weight ${p.weight}` : ''}${p.summarized ? ', summarized as one run' : ''}`),
      ];
      if (partial) lines.push(`  ${partial} objects are in only some inputs (kept with what those inputs hold)`);
      if (functionsOnlyNewer + functionsOnlyOlder) lines.push(`  functions in only one side of a merge (kept): ${functionsOnlyNewer} newer, ${functionsOnlyOlder} older`);
      if (mismatches.length) {
        lines.push(`  ${mismatches.length} mismatches resolved by --on-mismatch ${opts.onMismatch}:`);
        for (const m of mismatches.slice(0, 5)) lines.push(`    ${m.name}: ${m.ident === null ? '' : `function ${m.ident}: `}${m.what}`);
      }
      lines.push(`  wrote ${order.length} files to ${opts.output} in ${elapsed.toFixed(2)} s`);
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    } finally {
      await IoHelper.closeAll(helpers);
    }
  });
}

/** One input prepared for the merge: its files by relative path, and its summary when it had none. */
interface MergeInput {
  spec: InputSpec;
  /** Its number in the MatchedInputs that holds its files. */
  index: number;
  skipped: number;
  /** The first file (in path order): it tells whether the input carries summaries. */
  first: InputFile;
  hasSummaries: boolean;
  /** The summary of this run over all of its files, when it had none and --summarize asks for one. */
  summary: ProgramSummary | null;
  /** With a summary: each file's summary target (by object number), from the summary pass. */
  targets: SummaryTarget[];
}

/**
 * Lists an input's files, checks that it carries summaries (or computes its summary when
 * --summarize asks: the summary of a run is over all of its files, hence a pass of its own).
 */
async function prepareInput(
  spec: InputSpec,
  matched: MatchedInputs,
  reader: ReusingReader,
  opts: Options,
  checkVersion: (input: InputFile, file: { version: number }) => void,
  helpersFor: (files: number) => IoHelper[],
): Promise<MergeInput> {
  // A directory is walked into the matched inputs directly; a tarball or file is collected.
  let index: number;
  let skipped: SkippedInput[] = [];
  if (isDirectory(spec.path)) index = matched.addTree(spec.path, ['.gcda'], skipped);
  else {
    const collected = await collectInputs([spec.path], { extensions: ['.gcda'] });
    skipped = collected.skipped;
    index = matched.add(spec.path, collected.files);
  }
  const ids = matched.idsOf(index);
  if (ids.length === 0) throw new Error(`${spec.path}: no .gcda files`);
  const first = matched.file(index, ids[0]!)!;
  const hasSummaries = frameGcda(await reader.read(first), { file: first.source }).hasSummary;
  const targets: SummaryTarget[] = [];
  let summary: ProgramSummary | null = null;
  if (!hasSummaries) {
    if (!opts.summarize) {
      throw new MergeError(
        `${spec.path}: no summary records (a kernel harvest?): libgcov cannot merge into such files; add --summarize to summarize each input as one run first, or run gcda-summarize on it`,
      );
    }
    const b = new ProgramSummaryBuilder();
    const helpers = helpersFor(ids.length);
    function* diskPaths(): Generator<string> {
      for (const id of ids) {
        const path = matched.pathOf(index, id);
        if (path !== undefined) yield path;
      }
    }
    const ahead = helpers.length > 0 ? new PrefetchedFiles(helpers, diskPaths()) : null; // (released automatically: each file is scanned and dropped)
    for (const id of ids) {
      const input = matched.file(index, id)!;
      const bytes = ahead !== null && input.path !== undefined ? await ahead.next() : await reader.read(input);
      const scanned = b.addBytes(input.source, bytes); // a kernel harvest's file: no model
      if (scanned) {
        checkVersion(input, scanned);
        targets[id] = scanned;
        continue;
      }
      const file = readGcda(bytes, { file: input.source });
      checkVersion(input, file);
      b.add(input.source, file, '/' + input.relPath);
      targets[id] = summaryTarget(file);
    }
    summary = b.finish().summary;
  }
  return { spec, index, skipped: skipped.length, first, hasSummaries, summary, targets };
}

/** An input's summary presence must be the same in all of its files. */
function checkSummaryPresence(file: InputFile, has: boolean, input: MergeInput): void {
  const expected = input.hasSummaries || input.summary !== null;
  if (has !== expected) {
    throw new MergeError(`${file.source}: ${expected ? 'has no summary record while' : 'has a summary record while'} ${input.first.source} ${expected ? 'has one' : 'has none'}: refused`);
  }
}

/** The first input that holds an object starts its accumulation (in the accumulation's reused buffer, a copy of a tarball member, or a new encoding when weighted). */
function firstOfObject(file: InputFile, bytes: Uint8Array, input: MergeInput, checkVersion: (input: InputFile, file: { version: number }) => void): Accumulated {
  if (input.spec.weight === 1) {
    // Kept as it is: only its framing, version and summary need checking, not a model. A
    // file on disk was read into the accumulation's own buffer; a tarball member is a view
    // of the archive, which the merge must not write into: copied.
    const framing = frameGcda(bytes, { file: file.source });
    checkVersion(file, { version: framing.version.word });
    checkSummaryPresence(file, framing.hasSummary, input);
    return { bytes: file.path === undefined ? bytes.slice() : bytes, inputs: 1, lastSource: file.source };
  }
  const model = readGcda(bytes, { file: file.source });
  checkVersion(file, model);
  checkSummaryPresence(file, model.records.some(isSummary), input);
  return { bytes: writeGcda(weightGcda(model, input.spec.weight)), inputs: 1, lastSource: file.source };
}

/** TARAX_DEBUG_MEMORY: the live memory (after a full collection) at a point of the merge. */
function debugMemory(when: string): void {
  collectGarbage();
  const m = process.memoryUsage();
  process.stderr.write(`${when}: rss ${(m.rss / 1048576).toFixed(0)} heapUsed ${(m.heapUsed / 1048576).toFixed(0)} heapTotal ${(m.heapTotal / 1048576).toFixed(0)} external ${(m.external / 1048576).toFixed(0)}\n`);
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

/** Whether `path` is a directory (false when it is anything else or does not exist: collectInputs says why). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
