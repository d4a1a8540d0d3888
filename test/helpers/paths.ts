import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, 'fixtures');
/** The shared corpus of third-party gcov files (a sibling of the repository). */
export const CORPUS = resolve(REPO, '..', 'shared', 'corpus');

/** Every file below `dir` whose name ends in one of `exts`, sorted. */
export function findFiles(dir: string, exts: string[] = ['.gcda', '.gcno']): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(p);
    }
  };
  walk(dir);
  return out;
}
