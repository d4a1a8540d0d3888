import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ArenaReader, type InputFile } from './inputs.js';
import type { Placement, TreeWriter } from './output.js';
import { HELPER_MIN_FILES, helperError, takeHelperThread, type HelperMessage, type HelperRequest } from './helper-thread.js';

/**
 * A helper thread that reads and writes files for the main thread, so that two threads make
 * the system calls of a large tree at once. On a 2-CPU VM, two threads copying the 20,424
 * files of the replicated harvest took 0.65-0.73 s on tmpfs and 0.84-0.96 s on ext4, against
 * 0.80-1.07 s and 1.29-1.36 s for one (and 0.72 s and 1.17-1.25 s for `cp -r`): a Node
 * program spends more per system call than `cp`, and only a second thread wins it back.
 *
 * The files' bytes live in SharedArrayBuffers, so nothing is copied between the threads: the
 * helper reads into shared chunks that the main thread reads from, and writes files from
 * shared buffers the main thread filled (ArenaReader with `shared`). The helper runs no
 * library code, only `node:fs` (and `node:v8`/`node:vm` for collecting its own heap), so it
 * starts fast and costs about 10 MiB.
 */
export class IoHelper {
  private readonly worker: Worker;
  /** The reads posted and not finished, by id. */
  private readonly reads = new Map<number, HelperReads>();
  private nextReadId = 0;
  /** The writes posted and not answered yet, oldest first (the helper answers in order). */
  private readonly pendingWrites: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private failed: Error | null = null;
  private closed = false;
  /** Where write() copies pieces that are not in shared memory. */
  private readonly copies = new SharedBytes();

  constructor() {
    this.worker = takeHelperThread();
    this.worker.on('message', (m: HelperMessage) => this.deliver(m));
    this.worker.on('error', (e: Error) => this.fail(e));
    this.worker.on('exit', () => this.fail(new Error('file helper thread: exited')));
  }

  /**
   * The helpers for a command over `files` (threadsFor's number, less the main thread): none
   * when a file is not on disk (a tarball member), as a helper reads and writes paths.
   */
  static forFiles(files: readonly InputFile[], jobs?: number): IoHelper[] {
    const threads = files.every((f) => f.path !== undefined) ? IoHelper.threadsFor(files.length, jobs) : 1;
    return Array.from({ length: threads - 1 }, () => new IoHelper());
  }

  /** Stops every one of `helpers`. */
  static async closeAll(helpers: readonly IoHelper[]): Promise<void> {
    await Promise.all(helpers.map((h) => h.close()));
  }

  /**
   * How many threads (the main one included) to use for `files` files: `jobs` if given,
   * else 2 where the machine has two CPUs or more and the tree is large enough for the
   * helper's start (some 30 ms and 10 MiB) to pay.
   */
  static threadsFor(files: number, jobs?: number): number {
    if (jobs !== undefined) return Math.max(1, Math.floor(jobs));
    return files >= HELPER_MIN_FILES && availableParallelism() >= 2 ? 2 : 1;
  }

  private deliver(m: HelperMessage): void {
    if (m.op === 'walked') return; // (answered to prewalk's own listener)
    if (m.op === 'written' || (m.op === 'error' && m.request === 'write')) {
      const w = this.pendingWrites.shift();
      if (m.op === 'written') w?.resolve();
      else w?.reject(helperError(m));
      return;
    }
    const id = m.id ?? -1; // (a read's messages all carry its id)
    const reads = this.reads.get(id);
    if (m.op !== 'read') this.reads.delete(id);
    reads?.deliver(m);
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    for (const w of this.pendingWrites.splice(0)) w.reject(e);
    for (const r of this.reads.values()) r.fail(e);
    this.reads.clear();
  }

  /**
   * Starts reading `paths` in the helper, in order, into shared chunks; the returned reader
   * gives the bytes of each in the same order as they arrive. An error (a missing file, a
   * directory) is thrown when the file it concerns is asked for, as reading it here would.
   * Several reads may be under way (the helper takes them in order): read a long list in
   * batches, one or two ahead of the one being used, so memory holds a few batches.
   */
  read(paths: readonly string[]): HelperReads {
    const id = this.nextReadId++;
    this.post({ op: 'read', id, paths: paths as string[] });
    const reads = new HelperReads(id, paths.length);
    if (this.failed) reads.fail(this.failed);
    else this.reads.set(id, reads);
    return reads;
  }

  /**
   * Writes files in the helper: each at `path` (its directory is created when missing) from
   * its pieces, in order; an `atomic` one to a temporary name beside it first, then renamed
   * into place (TreeWriter.placement says which). Pieces outside shared memory are copied
   * into it first. Resolves when all are written; `progress[0]` counts them as they are.
   * Several writes may be under way: post a large tree in batches, so the helper starts at
   * once and the pieces of one batch are garbage before the next is made. After a failed
   * write the helper refuses the writes queued behind it.
   */
  write(files: ReadonlyArray<{ path: string; atomic: boolean; pieces: readonly Uint8Array[] }>, progress?: Int32Array): Promise<void> {
    const buffers: SharedArrayBuffer[] = [];
    const bufferIndex = new Map<SharedArrayBuffer, number>();
    let count = 0;
    for (const f of files) count += 1 + 3 * f.pieces.length;
    const layout = new Int32Array(count);
    const atomic = new Uint8Array(files.length);
    let at = 0;
    for (const [i, f] of files.entries()) {
      atomic[i] = f.atomic ? 1 : 0;
      layout[at++] = f.pieces.length;
      for (let piece of f.pieces) {
        if (!(piece.buffer instanceof SharedArrayBuffer)) piece = this.copies.copy(piece);
        const sab = piece.buffer as SharedArrayBuffer;
        let index = bufferIndex.get(sab);
        if (index === undefined) {
          index = buffers.length;
          buffers.push(sab);
          bufferIndex.set(sab, index);
        }
        layout[at++] = index;
        layout[at++] = piece.byteOffset;
        layout[at++] = piece.byteLength;
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.post({ op: 'write', paths: files.map((f) => f.path), layout, buffers, atomic, progress: progress?.buffer as SharedArrayBuffer | undefined });
      this.pendingWrites.push({ resolve, reject });
    });
  }

  /**
   * Tells the helper that the bytes of its reads up to `id` are no longer used: it fills
   * their chunks again instead of making new ones. (Chunks left to the garbage collectors of
   * two threads were freed too late: reading two 20,000-file trees ahead took 45 MiB more.)
   */
  release(id: number): void {
    if (!this.failed) this.worker.postMessage({ op: 'release', id } satisfies HelperRequest);
  }

  /** Stops the helper thread (the caller's event loop waits for it until then). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private post(m: HelperRequest): void {
    if (this.failed) throw this.failed;
    this.worker.postMessage(m);
  }
}

/** The files read by the helper, in order (IoHelper.read). */
export class HelperReads {
  private readonly chunks: SharedArrayBuffer[] = [];
  private places: Int32Array = new Int32Array(0);
  private first = 0;
  private next_ = 0;
  private readonly inbox: HelperMessage[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(
    /** The read's number on its helper. */
    readonly id: number,
    readonly length: number,
  ) {}

  /** Whether every file has been given. */
  get done(): boolean {
    return this.next_ >= this.length;
  }

  /** (IoHelper) A message of this read. */
  deliver(m: HelperMessage): void {
    this.inbox.push(m);
    this.wake?.();
    this.wake = null;
  }

  /** (IoHelper) The helper thread failed. */
  fail(e: Error): void {
    this.failure = e;
    this.wake?.();
    this.wake = null;
  }

  /** The bytes of the next file (a view of a shared chunk, kept as long as the view is). */
  async next(): Promise<Uint8Array> {
    for (;;) {
      const bytes = this.tryNext();
      if (bytes !== undefined) return bytes;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * The bytes of the next file if they have arrived, else undefined (then await next()):
   * a caller that takes thousands of files saves a promise and a turn of the event loop
   * for each one already read.
   */
  tryNext(): Uint8Array | undefined {
    const i = this.next_;
    if (i >= this.length) throw new RangeError('no more files');
    while (i >= this.first + this.places.length / 3) {
      const m = this.inbox.shift();
      if (m === undefined) {
        if (this.failure) throw this.failure;
        return undefined;
      }
      if (m.op === 'read') {
        this.chunks.push(...m.chunks);
        this.first += this.places.length / 3;
        this.places = m.places;
      } else if (m.op === 'error') {
        this.failure = helperError(m);
      } else {
        throw new Error('file helper: the reads ended early');
      }
    }
    this.next_++;
    const p = (i - this.first) * 3;
    return new Uint8Array(this.chunks[this.places[p]!]!, this.places[p + 1]!, this.places[p + 2]!);
  }
}

/** Small pieces copied into shared memory, 256 KiB at a time. */
class SharedBytes {
  private chunk: Uint8Array = new Uint8Array(0);
  private used = 0;

  copy(piece: Uint8Array): Uint8Array {
    if (this.used + piece.length > this.chunk.length) {
      this.chunk = new Uint8Array(new SharedArrayBuffer(Math.max(256 * 1024, piece.length)));
      this.used = 0;
    }
    const out = this.chunk.subarray(this.used, this.used + piece.length);
    out.set(piece);
    this.used += piece.length;
    return out;
  }
}

/**
 * [from, to) cut into `parts` consecutive ranges of nearly equal size (consecutive, so that
 * threads given sorted paths work in different directories).
 */
export function splitRange(from: number, to: number, parts: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let k = 0; k < parts; k++) ranges.push([from + Math.round(((to - from) * k) / parts), from + Math.round(((to - from) * (k + 1)) / parts)]);
  return ranges;
}

/** A batch of reads of PrefetchedFiles, and the helper that makes it. */
export interface PrefetchBatch {
  reads: HelperReads;
  helper: IoHelper;
}

/**
 * The files named by `paths`, read ahead by helper threads in batches of `batchFiles`: a few
 * batches ahead of the one being used (taken in turn by the helpers), so that memory holds
 * those batches whatever the length of the list. `paths` is walked lazily, as batches are
 * posted. The consumer asks for the files in the same order.
 *
 * The helpers fill a batch's memory again once it is released. With `release: 'auto'`, a
 * batch is released when the files of the batch after the next one are asked for. With
 * 'manual', the consumer takes the batches it has used up (takeConsumed) and releases them
 * when it no longer needs their bytes, for instance once a helper has written them.
 */
export class PrefetchedFiles {
  private readonly batches: PrefetchBatch[] = [];
  /** Batches used up and not released yet. */
  private consumed: PrefetchBatch[] = [];
  private posted = 0;
  private exhausted = false;

  constructor(
    private readonly helpers: readonly IoHelper[],
    private readonly paths: Iterator<string>,
    private readonly options: { batchFiles?: number; ahead?: number; release?: 'auto' | 'manual' } = {},
  ) {
    this.fill();
  }

  private fill(): void {
    const batchFiles = this.options.batchFiles ?? 1024;
    while (!this.exhausted && this.batches.length <= (this.options.ahead ?? 2)) {
      const list: string[] = [];
      while (list.length < batchFiles) {
        const r = this.paths.next();
        if (r.done) {
          this.exhausted = true;
          break;
        }
        list.push(r.value);
      }
      if (list.length === 0) break;
      const helper = this.helpers[this.posted++ % this.helpers.length]!;
      this.batches.push({ reads: helper.read(list), helper });
    }
  }

  /**
   * The bytes of the next file of the list. With automatic release, valid until the files
   * of the batch after next are asked for: a consumer that keeps the files of one group (an
   * object's files, one per input) until it asks for the next group needs batches at least
   * as long as a group.
   */
  async next(): Promise<Uint8Array> {
    return this.current().next();
  }

  /** next() when the file has arrived, else undefined (the file is still next): then await next(). */
  nextSync(): Uint8Array | undefined {
    return this.current().tryNext();
  }

  /** The reads of the batch the next file is in. */
  private current(): HelperReads {
    while (this.batches.length > 0 && this.batches[0]!.reads.done) {
      this.consumed.push(this.batches.shift()!);
      // Automatic: the batch before the one used up is no longer used.
      if (this.options.release !== 'manual' && this.consumed.length > 1) PrefetchedFiles.release([this.consumed.shift()!]);
      this.fill();
    }
    const batch = this.batches[0];
    if (batch === undefined) throw new RangeError('no more files');
    return batch.reads;
  }

  /** (manual release) The batches whose files have all been asked for and not taken yet. */
  takeConsumed(): PrefetchBatch[] {
    while (this.batches.length > 0 && this.batches[0]!.reads.done) this.consumed.push(this.batches.shift()!);
    const taken = this.consumed;
    this.consumed = [];
    this.fill();
    return taken;
  }

  /** Lets the helpers fill the memory of these batches again. */
  static release(batches: readonly PrefetchBatch[]): void {
    for (const b of batches) b.helper.release(b.reads.id);
  }
}

/**
 * Writes `count` files through `writer`, the last ones by the helpers: file(i) gives the
 * path of file i (as for writer.write) and its pieces. The main thread writes `ownShare` of an
 * equal share (it also makes the helpers' lists, in batches of `batch` files, at most two in
 * flight per helper: a helper starts at once, and a batch's pieces are garbage before many
 * more are made). Resolves when every file is written (commit() is the caller's); on a
 * failure, once the helpers have stopped, so that the caller's abort() removes everything.
 */
export async function writeFiles(
  writer: TreeWriter,
  count: number,
  file: (i: number) => { path: string; pieces: readonly Uint8Array[] },
  helpers: readonly IoHelper[],
  options: { ownShare?: number; batch?: number; progress?: (written: number) => void } = {},
): Promise<void> {
  const batch = options.batch ?? 512;
  const ownWrites = mainThreadCount(count, helpers, options.ownShare ?? 1);
  // Each helper's range: [from, next) posted, of which `written` written, [next, to) to come.
  const feeds = splitRange(ownWrites, count, helpers.length).map(([from, to], k) => ({
    helper: helpers[k]!,
    from,
    next: from,
    to,
    written: new Int32Array(new SharedArrayBuffer(4)),
    batches: [] as Array<Promise<void>>,
  }));
  const feed = (): boolean => {
    let more = false;
    for (const f of feeds) {
      while (f.next < f.to && f.next - f.from - Atomics.load(f.written, 0) <= batch) {
        const files = [];
        for (const end = Math.min(f.to, f.next + batch); f.next < end; f.next++) {
          const { path, pieces } = file(f.next);
          files.push({ ...writer.placement(path), pieces });
        }
        f.batches.push(f.helper.write(files, f.written));
      }
      more ||= f.next < f.to;
    }
    return more;
  };
  const helperWrites = () => feeds.flatMap((f) => f.batches);
  const helpersWritten = () => feeds.reduce((n, f) => n + Atomics.load(f.written, 0), 0);
  try {
    feed();
    for (let i = 0; i < ownWrites; i++) {
      const { path, pieces } = file(i);
      writer.write(path, pieces);
      if ((i & 31) === 31) {
        feed();
        options.progress?.(i + 1 + helpersWritten());
      }
    }
    while (feed()) {
      // A helper with more to write has two batches or more in flight: wait for the older.
      const f = feeds.find((f) => f.next < f.to)!;
      await f.batches[f.batches.length - 2];
      options.progress?.(ownWrites + helpersWritten());
    }
    await Promise.all(helperWrites());
  } catch (e) {
    // The helpers stop at their first error: let them, before the caller removes what they wrote.
    await Promise.allSettled(helperWrites());
    throw e;
  }
}

/**
 * How many of `count` files, the first ones, the main thread takes when `helpers` take the
 * rest and it takes `share` of an equal share (all of them without helpers).
 */
function mainThreadCount(count: number, helpers: readonly IoHelper[], share: number): number {
  return helpers.length === 0 ? count : Math.round((count * share) / (helpers.length + 1));
}

/**
 * Reads files in order and keeps their bytes (for a caller that holds a whole tree between
 * two passes): the first ones on the main thread, into an ArenaReader's chunks, the others
 * by the helpers, each a consecutive range. The main thread reads `ownShare` of an equal share
 * (it also does the caller's work on every file). With helpers every file must be on disk.
 */
export class KeptReads {
  private readonly arena: ArenaReader;
  private readonly ownReads: number;
  private readonly helperReads: HelperReads[];
  private reads: HelperReads | undefined;
  private next_ = 0;

  constructor(
    private readonly files: readonly InputFile[],
    helpers: readonly IoHelper[],
    ownShare = 1,
  ) {
    // Shared chunks: the main thread's files may be written by a helper.
    this.arena = new ArenaReader(undefined, helpers.length > 0);
    this.ownReads = mainThreadCount(files.length, helpers, ownShare);
    this.helperReads = splitRange(this.ownReads, files.length, helpers.length).map(([from, to], k) => helpers[k]!.read(files.slice(from, to).map((f) => f.path!)));
  }

  /** The bytes of the next file. */
  async next(): Promise<Uint8Array> {
    const i = this.next_;
    if (i < this.ownReads && this.files[i]!.path === undefined) {
      this.next_++;
      return this.files[i]!.read();
    }
    return this.nextSync() ?? (this.next_++, this.reads!.next());
  }

  /**
   * The bytes of the next file when they can be had without waiting (the main thread's own
   * reads, and the helpers' that have arrived), else undefined and the file is still next:
   * then await next().
   */
  nextSync(): Uint8Array | undefined {
    const i = this.next_;
    if (i < this.ownReads) {
      const path = this.files[i]!.path;
      if (path === undefined) return undefined;
      this.next_++;
      return this.arena.readPath(path);
    }
    if (this.reads === undefined || this.reads.done) this.reads = this.helperReads.shift();
    if (this.reads === undefined) throw new RangeError('no more files');
    const bytes = this.reads.tryNext();
    if (bytes !== undefined) this.next_++;
    return bytes;
  }
}

/** A helper of StreamedWrites: files posted to it, how many it wrote (it counts), its batches. */
interface WriteFeed {
  helper: IoHelper;
  posted: number;
  written: Int32Array;
  batches: Array<Promise<void>>;
}

/**
 * Writes files as the caller makes them, shared between the main thread and the helpers as
 * each has time: a file is queued, and the queue posted to a helper in batches of `batch`
 * files while that helper has less than a batch still to write; while every helper has
 * more, the main thread writes the oldest queued file itself instead of waiting. (A fixed
 * share left one thread idle: with the main thread writing the first eighth of a 20,424-file
 * rewrite, it waited 220 ms of 1.1 s for the helper's writes on tmpfs.) The helpers count
 * their writes in shared memory, so the main thread sees their progress without a turn of
 * the event loop. For a TreeWriter that stages its tree (nothing is in place before
 * commit()), so that a later failure still leaves nothing behind: finish() resolves when
 * everything is written; after any failure, settle() waits for the helpers to stop before
 * the caller's abort().
 */
export class StreamedWrites {
  private readonly pending: Array<{ path: string; atomic: boolean; pieces: readonly Uint8Array[] }> = [];
  private readonly feeds: WriteFeed[];
  /** Files the main thread wrote. */
  ownWrites = 0;

  constructor(
    private readonly writer: TreeWriter,
    helpers: readonly IoHelper[],
    private readonly batch = 256,
  ) {
    this.feeds = helpers.map((helper) => ({ helper, posted: 0, written: new Int32Array(new SharedArrayBuffer(4)), batches: [] }));
  }

  /** Writes or queues one file, at `place` (the writer's placement() or placeRelative()). */
  add(place: Placement, pieces: readonly Uint8Array[]): void {
    if (this.feeds.length === 0) {
      this.writer.writePlaced(place, pieces);
      this.ownWrites++;
      return;
    }
    this.pending.push({ path: place.path, atomic: place.atomic, pieces });
    if (this.pending.length < this.batch) return;
    const idlest = this.idlest();
    if (this.backlog(idlest) < this.batch) this.post(idlest);
    else {
      const own = this.pending.shift()!;
      this.writer.writePlaced(own, own.pieces);
      this.ownWrites++;
    }
  }

  /** Writes what is queued and waits for every write. */
  async finish(): Promise<void> {
    await this.written();
  }

  /**
   * Posts what is queued, and resolves when every file added so far is written (the bytes
   * they were written from may then be used again); rejects as finish() does.
   */
  written(): Promise<void> {
    if (this.pending.length > 0) this.post(this.idlest());
    // Resolved batches need not be kept: a long run posts thousands.
    for (const f of this.feeds) {
      if (f.batches.length <= 64) continue;
      const all = Promise.all(f.batches).then(() => {});
      all.catch(() => {}); // handled where awaited, as each batch is
      f.batches = [all];
    }
    return Promise.all(this.feeds.flatMap((f) => f.batches)).then(() => {});
  }

  /** Waits for the helpers' writes to end, failed or not. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.feeds.flatMap((f) => f.batches));
  }

  /** Files posted to a helper and not written yet. */
  private backlog(feed: WriteFeed): number {
    return feed.posted - Atomics.load(feed.written, 0);
  }

  /** The helper with the fewest files still to write. */
  private idlest(): WriteFeed {
    let idlest = this.feeds[0]!;
    for (const f of this.feeds) if (this.backlog(f) < this.backlog(idlest)) idlest = f;
    return idlest;
  }

  private post(feed: WriteFeed): void {
    const files = this.pending.splice(0);
    const written = feed.helper.write(files, feed.written);
    written.catch(() => {}); // handled: finish() or settle() awaits it, the process must not abort first
    feed.posted += files.length;
    feed.batches.push(written);
  }
}
