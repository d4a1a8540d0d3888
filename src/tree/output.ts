import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * Writes a file atomically: to a temporary name beside it, then renamed into place, so a
 * reader never sees a half-written file and an interrupted run leaves none behind.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tarax-tmp-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Joins OUT and a relative path, refusing a result outside OUT. */
export function outputPath(outDir: string, relPath: string): string {
  const root = resolve(outDir);
  const full = resolve(join(root, relPath));
  if (full !== root && !full.startsWith(root + sep)) throw new Error(`${relPath}: would be written outside ${outDir}: refused`);
  return full;
}

/**
 * Writes many files atomically (each to a temporary name, then renamed), with synchronous
 * calls and one mkdir per directory: for the thousands of small files of a harvest this is
 * several times faster than one promise chain per file.
 */
export class TreeWriter {
  private readonly made = new Set<string>();

  write(path: string, data: Uint8Array): void {
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    const tmp = `${path}.tarax-tmp-${process.pid}`;
    try {
      writeFileSync(tmp, data);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}
