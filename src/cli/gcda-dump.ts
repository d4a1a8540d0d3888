import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { readGcovFile } from '../model/gcov-file.js';
import { gcovDumpLines } from '../model/gcov-dump.js';
import { toJson } from '../model/json.js';
import { runCli } from './common.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('gcda-dump')
    .description('Print .gcda/.gcno files of any GCC generation or LLVM, either byte order: by default as `gcov-dump -l` of the file\'s own GCC version prints them, or as JSON')
    .argument('<files...>', '.gcda or .gcno files (kind detected from the magic)')
    .option('--json', 'print the documented JSON form of the model (see docs/json.md), one document per file; several files give a JSON array')
    .showHelpAfterError();
  return runCli(program, argv, async (files: string[], opts: { json?: boolean }) => {
    const docs: unknown[] = [];
    const chunks: string[] = [];
    for (const file of files) {
      const model = readGcovFile(readFileSync(file), file);
      if (opts.json) docs.push(toJson(model));
      else chunks.push(gcovDumpLines(model, file).join('\n') + '\n');
      if (!opts.json && chunks.length >= 64) process.stdout.write(chunks.splice(0).join(''));
    }
    if (opts.json) process.stdout.write(JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 1) + '\n');
    else process.stdout.write(chunks.join(''));
    return 0;
  });
}
