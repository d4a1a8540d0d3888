export * from './crc32.js';
export * from './int64.js';
export * from './histogram.js';
export * from './summary.js';
export * from './merge.js';
export * from './merge-bytes.js';
