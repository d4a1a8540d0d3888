import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Options as BarOptions, SingleBar } from 'cli-progress';
import { GcovFormatError } from '../format/errors.js';

/**
 * Runs a commander program: bad input and usage errors become one line on stderr and a
 * non-zero exit status (2 for bad input, 1 for usage), never a stack trace.
 */
export async function runCli<A extends unknown[]>(
  program: Command,
  argv: string[],
  action: (...args: A) => Promise<number>,
): Promise<number> {
  let status = 0;
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.action(async (...args: unknown[]) => {
    status = await action(...(args.slice(0, -1) as A));
  });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    process.stderr.write(`${program.name()}: ${errorLine(e)}\n`);
    return 2;
  }
  return status;
}

export function errorLine(e: unknown): string {
  if (e instanceof GcovFormatError) return e.message;
  if (e && typeof e === 'object' && 'code' in e && 'path' in e) {
    const err = e as { code: string; path: string; message: string };
    if (err.code === 'ENOENT') return `${err.path}: no such file or directory`;
    if (err.code === 'EISDIR') return `${err.path}: is a directory`;
    if (err.code === 'EACCES') return `${err.path}: permission denied`;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * A cli-progress bar on stderr, loaded only when one is shown (on a terminal): the module
 * costs about 10 ms of start-up, a tenth of a small run's wall time.
 */
export function progressBarOnStderr(format: string): SingleBar {
  const { SingleBar: Bar } = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
  const options: BarOptions = { stream: process.stderr, format, hideCursor: true, clearOnComplete: true };
  return new Bar(options);
}

let fullGc: (() => void) | null = null;

/**
 * A full garbage collection now. gcda-merge calls it after listing each large input (what
 * the listing left is old garbage by then, which V8 would otherwise let pile up over the inputs) and for
 * TARAX_DEBUG_MEMORY's live-memory figures. V8 gives the function to a new context once
 * --expose-gc is set, which needs no relaunch of node.
 */
export function collectGarbage(): void {
  if (fullGc === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) fullGc = exposed;
    else {
      setFlagsFromString('--expose-gc');
      fullGc = runInNewContext('gc') as () => void;
    }
  }
  fullGc();
}

/** A commander option parser for a whole number of 1 or more. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}
