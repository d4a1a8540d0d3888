export * from './common.js';
export * from './gcda.js';
export * from './gcno.js';
export * from './gcov-dump.js';
export * from './gcov-file.js';
export * from './json.js';
