import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, normalize, posix, sep } from 'node:path';
import { readTar, TarError } from './tar.js';
import { takePrewalk } from './helper-thread.js';
import { walkTree } from './walk.js';

/** node:fs's functions that walkTree uses. */
const fsForWalk = { readdirSync, statSync, lstatSync };

/** A gcov file found among the inputs, with the relative path it keeps in the output tree. */
export interface InputFile {
  /** Path relative to the root of its input (forward slashes), used to mirror the tree. */
  relPath: string;
  /** Where it came from, for messages: a path, or `archive.tar.gz:member`. */
  source: string;
  /** Reads the bytes (tarball members are already in memory). */
  read(): Promise<Uint8Array>;
  /** The file's path when it is a file on disk (not a tarball member). */
  path?: string;
}

/** Something skipped while collecting inputs, with the reason (reported to the user). */
export interface SkippedInput {
  source: string;
  reason: string;
}

export interface CollectOptions {
  /** File name endings to collect (default .gcda and .gcno). */
  extensions?: string[];
}

const TAR_RE = /\.(tar|tar\.gz|tgz)$/i;

export function isTarball(path: string): boolean {
  return TAR_RE.test(path);
}

/**
 * Normalizes a tar member path into a safe relative path: strips leading "./" and "/",
 * refuses ".." components (an entry that would leave the output directory).
 */
export function safeRelativePath(path: string, source: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new TarError(`${source}: member path "${path}" leaves the output directory: refused`);
  return parts.join('/');
}

/**
 * Collects the gcov files of every input: directory trees (recursively), tarballs (read in
 * memory) and single files. Symbolic links are followed; a link that points nowhere (the
 * DebugFS .gcno links, copied off the harvest host) is reported as skipped.
 */
export async function collectInputs(inputs: string[], options: CollectOptions = {}): Promise<{ files: InputFile[]; skipped: SkippedInput[] }> {
  const exts = options.extensions ?? ['.gcda', '.gcno'];
  const wanted = (name: string) => exts.some((e) => name.endsWith(e));
  const files: InputFile[] = [];
  const skipped: SkippedInput[] = [];
  for (const input of inputs) {
    const st = await stat(input).catch((e: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(e.code === 'ENOENT' ? `${input}: no such file or directory` : `${input}: ${e.message}`), { code: e.code });
    });
    if (st.isDirectory()) {
      const root = normalize(input);
      const listing = await takePrewalk(input, root, exts);
      if (listing !== null) {
        // Walked by a helper thread while the program loaded (bin/gcda-rewrite.js).
        const prefix = directoryPrefix(root);
        for (const relPath of listing.relPaths) files.push(new DiskFile(relPath, directoryPath(prefix, relPath)));
        skipped.push(...listing.skipped);
      } else walkTree(fsForWalk, sep, root, exts, (relPath, path) => files.push(new DiskFile(relPath, path)), skipped);
    } else if (isTarball(input)) {
      const entries = readTar(new Uint8Array(await readFile(input)), input);
      for (const e of entries) {
        const name = posix.basename(e.path);
        if (!wanted(name)) continue;
        const source = `${input}:${e.path}`;
        if (e.type === 'symlink') {
          skipped.push({ source, reason: `symbolic link to ${e.linkTarget} inside the archive` });
          continue;
        }
        if (e.type !== 'file') continue;
        const relPath = safeRelativePath(e.path, input);
        const data = e.data;
        files.push({ relPath, source, read: async () => data });
      }
    } else {
      files.push({ relPath: basename(input), source: input, path: input, read: async () => plain(readFileSync(input)) });
    }
  }
  return { files, skipped };
}

/** What join(dir, name) is for a normalized dir and a name without separators: dir's prefix plus the name. */
function directoryPrefix(dir: string): string {
  return dir === '.' ? '' : dir.endsWith(sep) ? dir : dir + sep;
}

/** The path of a directory input's file: the input's prefix and the relative path. */
function directoryPath(prefix: string, relPath: string): string {
  return prefix + (sep === '/' ? relPath : relPath.split('/').join(sep));
}

/** A file of a directory input, made when asked for (MatchedInputs keeps no object per file). */
function directoryFile(prefix: string, relPath: string): InputFile {
  return new DiskFile(relPath, directoryPath(prefix, relPath));
}

/** A file of a directory input: a class, not a closure per file (a tree has tens of thousands). */
class DiskFile implements InputFile {
  readonly source: string;
  constructor(
    readonly relPath: string,
    readonly path: string,
  ) {
    this.source = path;
  }

  async read(): Promise<Uint8Array> {
    return plain(readFileSync(this.path));
  }
}

/**
 * The files of several inputs matched by relative path, held compactly for many inputs of
 * tens of thousands of files: each relative path is stored once, with a number, and a
 * directory input keeps only which numbers it has (its files' paths are its root plus the
 * relative path, as collectInputs walked them). Other inputs (tarballs, single files) keep
 * their InputFile objects.
 */
export class MatchedInputs {
  /** Relative path by number, in the order first seen. */
  readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  private readonly inputs: Array<{ prefix: string; has: Uint8Array } | { files: Map<number, InputFile> }> = [];

  /** Adds an input's files (from collectInputs of `input` alone); returns the input's index. */
  add(input: string, files: readonly InputFile[]): number {
    const prefix = directoryPrefix(normalize(input));
    const ids = files.map((f) => this.number(f.relPath));
    const compact = files.every((f) => f.path !== undefined && f.path === directoryPath(prefix, f.relPath));
    if (compact) return this.addBitmap(prefix, ids);
    this.inputs.push({ files: new Map(ids.map((id, i) => [id, files[i]!])) });
    return this.inputs.length - 1;
  }

  /** Adds a directory input held as its prefix and the bitmap of `ids`; returns its index. */
  private addBitmap(prefix: string, ids: readonly number[]): number {
    const has = new Uint8Array(this.names.length);
    for (const id of ids) has[id] = 1;
    this.inputs.push({ prefix, has });
    return this.inputs.length - 1;
  }

  /**
   * Adds a directory input, walked as collectInputs walks it (files whose names end in one of
   * `extensions`; what it skips goes to `skipped`), straight into its bitmap: no file object
   * per file. (The listings' garbage had outlived scavenges: after listing 10 trees the process
   * held 15 MiB more than after 2, with the same live heap.) Returns the input's index.
   */
  addTree(dir: string, extensions: readonly string[], skipped: SkippedInput[]): number {
    const root = normalize(dir);
    const ids: number[] = [];
    walkTree(fsForWalk, sep, root, extensions, (relPath) => ids.push(this.number(relPath)), skipped);
    return this.addBitmap(directoryPrefix(root), ids);
  }

  /** The objects that input `index` holds, in path order. */
  idsOf(index: number): number[] {
    const input = this.inputs[index]!;
    return this.sorted().filter((id) => ('files' in input ? input.files.has(id) : input.has[id] === 1));
  }

  /** The path on disk of object `id` in input `index`, or undefined (not there, or not on disk): file(index, id).path without the file object. */
  pathOf(index: number, id: number): string | undefined {
    const input = this.inputs[index]!;
    if ('files' in input) return input.files.get(id)?.path;
    return input.has[id] === 1 ? directoryPath(input.prefix, this.names[id]!) : undefined;
  }

  /** The file of object `id` in input `index`, or undefined when that input lacks it. */
  file(index: number, id: number): InputFile | undefined {
    const input = this.inputs[index]!;
    if ('files' in input) return input.files.get(id);
    return input.has[id] === 1 ? directoryFile(input.prefix, this.names[id]!) : undefined;
  }

  /** How many of the objects input `index` holds. */
  count(index: number): number {
    const input = this.inputs[index]!;
    if ('files' in input) return input.files.size;
    let n = 0;
    for (let i = 0; i < input.has.length; i++) n += input.has[i]!;
    return n;
  }

  /** The objects' numbers in path order (a new array; the order is remembered until a name is added). */
  sorted(): number[] {
    if (this.order?.length !== this.names.length) {
      const names = this.names;
      this.order = names.map((_, i) => i).sort((x, y) => (names[x]! < names[y]! ? -1 : names[x]! > names[y]! ? 1 : 0));
    }
    return [...this.order];
  }
  private order: number[] | undefined;

  /** The number of a relative path (a new one for a path not seen yet). */
  number(relPath: string): number {
    let id = this.numbers.get(relPath);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(relPath);
      this.numbers.set(relPath, id);
    }
    return id;
  }
}

function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Reads input files into one buffer reused from file to file (grown when needed), for
 * callers that are done with each file's bytes before reading the next: a harvest of tens of
 * thousands of files is then read without allocating a buffer per file. Tarball members are
 * returned as they are.
 */
export class ReusingReader {
  private buffer = new Uint8Array(64 * 1024);

  /** The bytes of `input`: valid until the next call. */
  async read(input: InputFile): Promise<Uint8Array> {
    if (input.path === undefined) return input.read();
    return this.readPath(input.path);
  }

  /** The bytes of the file at `path`: valid until the next call. */
  readPath(path: string): Uint8Array {
    return readOpenFile(path, (fd) => {
      // No fstat for the size: read until end of file (a short read is not the end for
      // every file system: DebugFS), growing the buffer when it fills.
      let got = 0;
      for (;;) {
        const n = readSync(fd, this.buffer, got, this.buffer.length - got, null);
        if (n === 0) break;
        got += n;
        if (got === this.buffer.length) {
          const bigger = new Uint8Array(this.buffer.length * 2);
          bigger.set(this.buffer);
          this.buffer = bigger;
        }
      }
      return this.buffer.subarray(0, got);
    });
  }
}

/**
 * Opens `path`, lets `read` read it, and closes it whatever happens. read() errors (EISDIR)
 * carry no path: the file is named in them.
 */
function readOpenFile(path: string, read: (fd: number) => Uint8Array): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    return read(fd);
  } catch (e) {
    if (e && typeof e === 'object' && 'code' in e && !('path' in e)) Object.assign(e, { path });
    throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads input files one after another into large shared chunks, for callers that keep every
 * file's bytes (gcda-summarize holds a harvest between its two passes): no buffer per file,
 * so tens of thousands of files cost a few allocations instead of tens of thousands (whose
 * allocation and collection were a sixth of a 20,000-file run). Each file starts at a
 * multiple of 8 bytes, so word views of it are aligned. Tarball members are returned as they
 * are (already in memory).
 */
export class ArenaReader {
  private chunk: Uint8Array;
  private used = 0;

  /** shared: chunks in SharedArrayBuffers, for files an IoHelper thread is to write. */
  constructor(
    private readonly chunkSize = 4 << 20,
    private readonly shared = false,
  ) {
    this.chunk = this.allocate(chunkSize);
  }

  private allocate(size: number): Uint8Array {
    return new Uint8Array(this.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  }

  /** The bytes of `input`, kept as long as the caller keeps the view. */
  async read(input: InputFile): Promise<Uint8Array> {
    if (input.path === undefined) return input.read();
    return this.readPath(input.path);
  }

  /** The bytes of the file at `path`. */
  readPath(path: string): Uint8Array {
    return readOpenFile(path, (fd) => {
      // No fstat for the size: read until end of file (a short read is not the end for
      // every file system: DebugFS); a file that outgrows the chunk moves to a new one.
      let start = this.used;
      let got = 0;
      for (;;) {
        if (start + got === this.chunk.length) {
          const next = this.allocate(Math.max(this.chunkSize, 2 * got + 4096));
          next.set(this.chunk.subarray(start, start + got));
          this.chunk = next;
          start = 0;
        }
        const n = readSync(fd, this.chunk, start + got, this.chunk.length - start - got, null);
        if (n === 0) break;
        got += n;
      }
      this.used = Math.min(this.chunk.length, (start + got + 7) & ~7);
      return this.chunk.subarray(start, start + got);
    });
  }
}
