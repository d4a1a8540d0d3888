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
