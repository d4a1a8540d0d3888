import { spawnSync } from 'node:child_process';

/**
 * Whether a system tool is on PATH. Tests that need one skip with a message naming the
 * Debian package when it is absent, except under CI=true, where an absent tool fails the
 * run (so CI cannot turn green by skipping).
 */
export function haveTool(tool: string, debianPackage: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
  if (!found) {
    const msg = `${tool} not found: install the Debian package ${debianPackage}`;
    if (process.env['CI'] === 'true') throw new Error(`${msg} (CI=true: a missing tool is a failure, not a skip)`);
    console.warn(`skipping: ${msg}`);
  }
  return found;
}
