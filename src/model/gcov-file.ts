import { readHeaderWords, type WriteOptions } from './common.js';
import { readGcda, writeGcda, type GcdaFile } from './gcda.js';
import { readGcno, writeGcno, type GcnoFile } from './gcno.js';

export type GcovFile = GcdaFile | GcnoFile;

/** Reads a .gcda or .gcno file, choosing by its magic. */
export function readGcovFile(bytes: Uint8Array, file = '<buffer>'): GcovFile {
  const { kind } = readHeaderWords(bytes, file);
  return kind === 'gcda' ? readGcda(bytes, { file }) : readGcno(bytes, { file });
}

/** Encodes either kind of gcov file (`shared`: see WriteOptions). */
export function writeGcovFile(model: GcovFile, options: WriteOptions = {}): Uint8Array {
  return model.type === 'gcda' ? writeGcda(model, options) : writeGcno(model, options);
}
