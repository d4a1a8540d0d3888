/**
 * The directory walk of the tree commands, as one function that uses nothing from outside
 * its arguments: inputs.ts calls it, and a helper thread runs it from its source text
 * (helper-thread.ts), so that both walk a tree alike.
 */

/** What walkTree needs of node:fs. */
export interface WalkFs {
  readdirSync(path: string, options: { withFileTypes: true }): Array<{ name: string; isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }>;
  statSync(path: string): { isDirectory(): boolean };
  lstatSync(path: string): { isFile(): boolean };
}

/**
 * Collects the files under `root` (a normalized path) whose names end in one of `exts`, in
 * name order: found(relPath, path), relPath with forward slashes. Symbolic links are followed;
 * one that points nowhere (the DebugFS .gcno links, copied off the harvest host) goes to
 * `skipped`. `sep` is path.sep. Synchronous, and paths are joined as strings: for a tree of
 * 20,000 files the asynchronous walk with path.join and path.relative per file cost a tenth
 * of a merge.
 */
export function walkTree(fs: WalkFs, sep: string, root: string, exts: readonly string[], found: (relPath: string, path: string) => void, skipped: Array<{ source: string; reason: string }>): void {
  const visit = (dir: string, relDir: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // join(dir, name) for a normalized dir and a name without separators.
    const prefix = dir === '.' ? '' : dir.endsWith(sep) ? dir : dir + sep;
    const relPrefix = relDir === '' ? '' : relDir + '/';
    for (const e of entries) {
      const path = prefix + e.name;
      if (e.isDirectory()) {
        visit(path, relPrefix + e.name);
        continue;
      }
      if (!exts.some((x) => e.name.endsWith(x))) continue;
      if (e.isSymbolicLink()) {
        let target;
        try {
          target = fs.statSync(path);
        } catch {
          skipped.push({ source: path, reason: 'symbolic link whose target does not exist here (a DebugFS .gcno link copied off the harvest host?)' });
          continue;
        }
        if (target.isDirectory()) continue;
      } else if (!e.isFile()) {
        if (!fs.lstatSync(path).isFile()) continue;
      }
      found(relPrefix + e.name, path);
    }
  };
  visit(root, '');
}
