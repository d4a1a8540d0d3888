export * from './common.js';
export * from './gcda.js';
export * from './gcno.js';
