import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * Writes a file to a temporary name beside it, then renames it into place, so a reader
 * never sees a half-written file and an interrupted run leaves none behind. The directory
 * must exist. Synchronous: for the thousands of small files of a harvest, one promise chain
 * per file cost several times more.
 */
function replaceFile(path: string, data: Uint8Array): void {
  const tmp = `${path}.tarax-tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes one file atomically (temporary name, then rename), creating its directory. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  replaceFile(path, data);
}

/** Writes many files atomically, creating each directory once. */
export class TreeWriter {
  private readonly made = new Set<string>();

  write(path: string, data: Uint8Array): void {
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    replaceFile(path, data);
  }
}

/** Joins OUT and a relative path, refusing a result outside OUT. */
export function outputPath(outDir: string, relPath: string): string {
  const root = resolve(outDir);
  const full = resolve(join(root, relPath));
  if (full !== root && !full.startsWith(root + sep)) throw new Error(`${relPath}: would be written outside ${outDir}: refused`);
  return full;
}
