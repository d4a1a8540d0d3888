export * from './format/index.js';
export * from './model/index.js';
