import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writevSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Writes a file to a temporary name beside it, then renames it into place, so a reader
 * never sees a half-written file and an interrupted run leaves none behind. The directory
 * must exist. Synchronous: for the thousands of small files of a harvest, one promise chain
 * per file cost several times more.
 */
function replaceFile(path: string, data: Uint8Array | readonly Uint8Array[]): void {
  const tmp = `${path}.tarax-tmp-${process.pid}`;
  try {
    writeData(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes a file from one buffer, or from several in order without joining them. */
function writeData(path: string, data: Uint8Array | readonly Uint8Array[]): void {
  if (data instanceof Uint8Array) {
    writeFileSync(path, data);
    return;
  }
  const fd = openSync(path, 'w');
  try {
    // writev may write less than asked (large files): go on from where it stopped.
    let pending = data.filter((d) => d.length > 0);
    while (pending.length > 0) {
      let n = writevSync(fd, pending as Uint8Array[]);
      while (pending.length > 0 && n >= pending[0]!.length) n -= pending.shift()!.length;
      if (n > 0) pending[0] = pending[0]!.subarray(n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes one file atomically (temporary name, then rename), creating its directory. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  replaceFile(path, data);
}

/**
 * Writes many files, creating each directory once, so that no reader sees a half-written
 * output. Given an output root that does not exist yet, the whole tree is written into a
 * staging directory beside it and renamed into place by commit(): one rename instead of
 * one per file (file creation dominates the cost of a harvest on most file systems), and
 * the tree appears complete or not at all. Otherwise (an existing root, or in-place
 * updates) each file is written to a temporary name and renamed. Call commit() after the
 * last write, abort() on failure.
 */
export class TreeWriter {
  private readonly made = new Set<string>();
  private readonly root: string | null;
  private readonly staging: string | null;

  constructor(root?: string) {
    this.root = root === undefined ? null : resolve(root);
    this.staging = this.root !== null && !existsSync(this.root) ? `${this.root}.tarax-tmp-${process.pid}` : null;
    if (this.staging) rmSync(this.staging, { recursive: true, force: true });
  }

  /** Whether the files go to a staging tree that commit() moves into place (OUT did not exist). */
  get staged(): boolean {
    return this.staging !== null;
  }

  /** Writes one file, given as one buffer or as pieces to write in order. */
  write(path: string, data: Uint8Array | readonly Uint8Array[]): void {
    this.writePlaced(this.placement(path), data);
  }

  /** Writes one file where placement() or placeRelative() put it. */
  writePlaced(place: Placement, data: Uint8Array | readonly Uint8Array[]): void {
    const target = place.path;
    const dir = dirname(target);
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    if (place.atomic) replaceFile(target, data);
    else writeData(target, data);
  }

  /**
   * Where write(path) puts the file, for another thread to write it instead (IoHelper):
   * the path to write, and whether through a temporary name and a rename (atomic).
   */
  placement(path: string): Placement {
    return { path: this.stagedPath(path), atomic: this.staging === null };
  }

  /**
   * placement(outputPath(root, relPath)) for the root given to the constructor, made as one
   * string concatenation when relPath is plain (no empty, '.' or '..' component, as a
   * directory walk gives): one check of the path instead of outputPath's and placement's
   * (two regular-expression tests, isAbsolute, and the joins). Each test costs 110-150 ns,
   * a few ms for 20,424 files: a CPU profile at 50 us intervals had put it at 4% of the
   * main thread, which was the profiler's doing.
   */
  placeRelative(relPath: string): Placement {
    if (this.root === null) throw new Error('TreeWriter.placeRelative: no root');
    if (relPath === '' || UNPLAIN_RE.test(relPath)) return this.placement(outputPath(this.root, relPath));
    const native = sep === '/' ? relPath : relPath.replaceAll('/', sep);
    const base = this.staging ?? this.root;
    return { path: base.endsWith(sep) ? base + native : base + sep + native, atomic: this.staging === null };
  }

  private stagedPath(path: string): string {
    // outputPath's results are absolute and normalized already: resolve only other paths.
    const target = isAbsolute(path) && !UNPLAIN_RE.test(path.slice(1)) ? path : resolve(path);
    if (!this.staging) return target;
    const root = this.root!;
    // The usual case, a path under the root, without path.relative and path.join.
    return target.startsWith(root + sep) ? this.staging + target.slice(root.length) : join(this.staging, relative(root, target));
  }

  /** Moves the staged tree into place (nothing to do when files were replaced one by one). */
  commit(): void {
    if (!this.staging) return;
    if (!existsSync(this.staging)) mkdirSync(this.staging, { recursive: true });
    mkdirSync(dirname(this.root!), { recursive: true });
    renameSync(this.staging, this.root!);
  }

  /** Removes a staged tree after a failure. */
  abort(): void {
    if (this.staging) rmSync(this.staging, { recursive: true, force: true });
  }
}

/** Where a file is written: the path, and whether through a temporary name and a rename. */
export interface Placement {
  path: string;
  atomic: boolean;
}

/** Joins OUT and a relative path, refusing a result outside OUT. */
export function outputPath(outDir: string, relPath: string): string {
  const root = resolvedRoot(outDir);
  // A plain relative path (no empty, '.' or '..' component) needs no normalizing.
  if (relPath !== '' && !UNPLAIN_RE.test(relPath)) return root.endsWith(sep) ? root + relPath : root + sep + relPath;
  const full = resolve(join(root, relPath));
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) throw new Error(`${relPath}: would be written outside ${outDir}: refused`);
  return full;
}

/** A leading or doubled separator, or a '.' or '..' component (a backslash counts as one too). */
const UNPLAIN_RE = /^[/\\]|[/\\]{2}|(^|[/\\])\.\.?([/\\]|$)|[/\\]$/;

/** resolve(outDir), remembered for the last directory asked (outputPath runs once per file). */
let lastKey: string | null = null;
let lastRoot = '';
function resolvedRoot(outDir: string): string {
  const key = isAbsolute(outDir) ? outDir : `${process.cwd()}\0${outDir}`;
  if (key !== lastKey) {
    lastRoot = resolve(outDir);
    lastKey = key;
  }
  return lastRoot;
}
