export * from './errors.js';
export * from './version.js';
export * from './tags.js';
export * from './bytes.js';
export * from './records.js';
export * from './summary-codec.js';
