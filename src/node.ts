/** Node-only helpers: directory trees, tarballs and atomic output (the tree layer), plus everything in "tarax". */
export * from './index.js';
export * from './tree/index.js';
