import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/paths.js';

/** Layers from the bottom up; each may import only from itself and the layers before it. */
const LAYERS = ['format', 'model', 'algorithms', 'tree', 'cli'];
/** Layers that must run without Node (browsers, workers, Deno, Bun). */
const PORTABLE = ['format', 'model', 'algorithms'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gms)].map((m) => m[1]!);
}

describe('source layers', () => {
  const src = join(REPO, 'src');
  for (const layer of LAYERS) {
    it(`${layer} depends only on lower layers${PORTABLE.includes(layer) ? ' and uses no Node built-ins' : ''}`, () => {
      const dir = join(src, layer);
      let files: string[] = [];
      try {
        files = sources(dir);
      } catch {
        files = [];
      }
      const allowed = LAYERS.slice(0, LAYERS.indexOf(layer) + 1);
      for (const file of files) {
        for (const spec of imports(file)) {
          const where = `${relative(REPO, file)} imports ${spec}`;
          if (spec.startsWith('.')) {
            const target = relative(src, join(file, '..', spec)).split(/[\\/]/)[0]!;
            expect(allowed, where).toContain(target);
          } else if (PORTABLE.includes(layer)) {
            expect(spec.startsWith('node:') || ['fs', 'path', 'zlib', 'os', 'child_process', 'buffer'].includes(spec), where).toBe(false);
          }
        }
        if (PORTABLE.includes(layer)) {
          const text = readFileSync(file, 'utf8');
          expect(/\b(Buffer|process)\./.test(text), `${relative(REPO, file)} uses Buffer or process`).toBe(false);
        }
      }
    });
  }
});
