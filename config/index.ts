// The config room: this file is its only door. It re-exports what other rooms may use.
export * from './crypto/index.js';
export { type ErrorCode, PortcullisError } from './errors.js';
