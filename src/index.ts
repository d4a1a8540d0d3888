/**
 * tarax: read, write, summarize and merge gcov profile data. This entry point uses no Node
 * built-ins (Uint8Array in, Uint8Array out) and runs in browsers, workers, Deno and Bun.
 * File-system helpers (trees, tarballs, atomic output) are in "tarax/node".
 */
export * from './format/index.js';
export * from './model/index.js';
export * from './algorithms/index.js';
