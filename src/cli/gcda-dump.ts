import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { readGcovFile } from '../model/gcov-file.js';
import { DumpOutput, gcovDumpWrite } from '../model/gcov-dump.js';
import { toJson } from '../model/json.js';
import { ReusingReader } from '../tree/inputs.js';
import { runCli } from './common.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('gcda-dump')
    .description('Print .gcda/.gcno files of any GCC generation or LLVM, either byte order: by default as `gcov-dump -l` of the file\'s own GCC version prints them, or as JSON')
    .argument('<files...>', '.gcda or .gcno files (kind detected from the magic)')
    .option('--json', 'print the documented JSON form of the model (see docs/json.md), one document per file; several files give a JSON array')
    .showHelpAfterError();
  return runCli(program, argv, async (files: string[], opts: { json?: boolean }) => {
    if (opts.json) {
      const docs: unknown[] = [];
      for (const file of files) docs.push(toJson(readGcovFile(readFileSync(file), file)));
      process.stdout.write(JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 1) + '\n');
      return 0;
    }
    // The text goes out in chunks of 1 MiB, formatted straight into bytes.
    const out = new DumpOutput((chunk) => process.stdout.write(chunk));
    // One buffer for every file read (the model keeps nothing of it): no allocation and no
    // fstat per file.
    const reader = new ReusingReader();
    for (const file of files) gcovDumpWrite(readGcovFile(reader.readPath(file), file), file, out);
    out.flush();
    return 0;
  });
}
