import { Command } from 'commander';
import { readGcovFile, writeGcovFile } from '../model/gcov-file.js';
import { collectInputs } from '../tree/inputs.js';
import { IoHelper, KeptReads, writeFiles } from '../tree/io-helper.js';
import { outputPath, TreeWriter } from '../tree/output.js';
import { GcovFormatError } from '../format/errors.js';
import { maxArcCounter, normalizeScale, parseScale, scaleGcda, type ScaleFactor } from '../algorithms/merge.js';
import type { GcovFile } from '../model/gcov-file.js';
import { positiveInteger, runCli } from './common.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('gcda-rewrite')
    .description('Read .gcda/.gcno files, directory trees or tarballs of them, and write them back through the model into OUT, mirroring the tree. Unmodified input comes back byte-identical.')
    .argument('<inputs...>', 'files, directories or .tar/.tar.gz archives')
    .requiredOption('-o, --output <dir>', 'output directory (created if needed)')
    .option('--check', 'also verify that every output is byte-identical to its input; exit 1 if not')
    .option('-s, --scale <factor>', 'scale the counts of every .gcda by a float or a fraction n/d, per counter kind as gcov-tool rewrite -s (summaries unchanged)')
    .option('-n, --normalize <max>', 'scale so that the largest arc counter of all inputs becomes MAX (gcov-tool rewrite -n)')
    .option('-q, --quiet', 'print nothing on success')
    .option('-j, --jobs <n>', 'threads reading and writing files: N-1 helper threads make part of the system calls (default: 2 for 2,000 files or more on a machine with 2 CPUs or more, else 1)', positiveInteger)
    .showHelpAfterError('(gcda-rewrite --help lists the options)');
  type Options = { output: string; check?: boolean; quiet?: boolean; scale?: string; normalize?: string; jobs?: number };
  return runCli(program, argv, async (inputs: string[], opts: Options) => {
    const started = performance.now();
    const { files, skipped } = await collectInputs(inputs);
    const seen = new Map<string, string>();
    for (const f of files) {
      const prev = seen.get(f.relPath);
      if (prev) throw new Error(`${f.source} and ${prev} would both be written to ${f.relPath}`);
      seen.set(f.relPath, f.source);
    }
    if (opts.scale !== undefined && opts.normalize !== undefined) program.error('gcda-rewrite: give one of --scale and --normalize');
    if (opts.check && (opts.scale !== undefined || opts.normalize !== undefined)) program.error('gcda-rewrite: --check compares with the input: it cannot be combined with --scale or --normalize');
    let scale: ScaleFactor | null = null;
    try {
      if (opts.scale !== undefined) scale = parseScale(opts.scale);
      if (opts.normalize !== undefined && !/^\d+$/.test(opts.normalize)) throw new RangeError(`--normalize ${opts.normalize}: not a non-negative integer`);
    } catch (e) {
      program.error(`gcda-rewrite: ${(e as Error).message}`);
    }
    // Read and check every input before writing anything, so bad input leaves OUT untouched.
    // Only --normalize needs every model at once (its factor is over all inputs); otherwise
    // each file is encoded as soon as it is read and only its bytes are kept.
    // Helper threads make part of the system calls (IoHelper): the main thread reads the first
    // half share of the files and writes 0.9 of a share (it also decodes and encodes them all).
    const helpers = IoHelper.forFiles(files, opts.jobs);
    try {
      const outputs: Array<{ path: string; data: Uint8Array; same: boolean }> = [];
      const pending: Array<{ path: string; input: Uint8Array; model: GcovFile; source: string }> = [];
      const encode = (path: string, input: Uint8Array, model: GcovFile, source: string) => {
        let data: Uint8Array;
        try {
          data = writeGcovFile(scale && model.type === 'gcda' ? scaleGcda(model, scale) : model);
        } catch (e) {
          if (e instanceof GcovFormatError) throw e;
          throw new Error(`${source}: ${(e as Error).message}`);
        }
        const same = equalBytes(input, data);
        // An unchanged file is written from its input's bytes (a helper writes them without a copy).
        outputs.push({ path, data: same ? input : data, same });
      };
      let bytesIn = 0;
      const reads = new KeptReads(files, helpers, 0.5);
      for (const f of files) {
        const input = await reads.next();
        bytesIn += input.length;
        const model = readGcovFile(input, f.source);
        const path = outputPath(opts.output, f.relPath);
        if (opts.normalize !== undefined) pending.push({ path, input, model, source: f.source });
        else encode(path, input, model, f.source);
      }
      if (opts.normalize !== undefined) {
        // gcov-tool rewrite -n: one factor for the whole profile, from its largest arc counter.
        const current = maxArcCounter(pending.flatMap((m) => (m.model.type === 'gcda' ? [m.model] : [])));
        if (current === 0n) throw new Error('--normalize: every arc counter is 0, nothing to scale from');
        scale = normalizeScale(BigInt(opts.normalize), current);
        for (const m of pending) encode(m.path, m.input, m.model, m.source);
      }
      const writer = new TreeWriter(opts.output);
      try {
        await writeFiles(writer, outputs.length, (i) => ({ path: outputs[i]!.path, pieces: [outputs[i]!.data] }), helpers, { ownShare: 0.9 });
        writer.commit();
      } catch (e) {
        writer.abort();
        throw e;
      }
      for (const s of skipped) process.stderr.write(`gcda-rewrite: skipped ${s.source}: ${s.reason}\n`);
      const differing = outputs.filter((o) => !o.same);
      if (!opts.quiet) {
        const secs = (performance.now() - started) / 1000;
        process.stdout.write(`gcda-rewrite: ${outputs.length} files, ${bytesIn} bytes, ${outputs.length - differing.length} byte-identical, ${skipped.length} skipped, ${secs.toFixed(2)} s\n`);
      }
      if (opts.check && differing.length) {
        for (const d of differing.slice(0, 20)) process.stderr.write(`gcda-rewrite: ${d.path}: differs from its input\n`);
        return 1;
      }
      return 0;
    } finally {
      await IoHelper.closeAll(helpers);
    }
  });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
