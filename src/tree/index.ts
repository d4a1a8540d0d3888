export * from './tar.js';
export * from './inputs.js';
export * from './output.js';
export * from './layout.js';
export * from './io-helper.js';
