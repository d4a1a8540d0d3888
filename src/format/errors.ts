/**
 * The one error type the library throws for bad input: it always names the file
 * (or the label the caller gave the buffer) and the byte offset where reading failed.
 */
export class GcovFormatError extends Error {
  override readonly name = 'GcovFormatError';
  /** File name or label of the buffer being read. */
  readonly file: string;
  /** Byte offset in the file where the problem was found. */
  readonly offset: number;
  /** What is wrong, without file and offset. */
  readonly reason: string;

  constructor(reason: string, offset: number, file = '<buffer>') {
    super(`${file}: at byte ${offset}: ${reason}`);
    this.file = file;
    this.offset = offset;
    this.reason = reason;
  }

  /** The same error, naming another file. */
  inFile(file: string): GcovFormatError {
    return new GcovFormatError(this.reason, this.offset, file);
  }
}
