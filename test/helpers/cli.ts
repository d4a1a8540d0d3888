import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './paths.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the package's CLIs (bin/NAME.js over the built dist/). */
export function runCli(name: string, args: string[], options: { cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', `${name}.js`), ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? REPO,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
