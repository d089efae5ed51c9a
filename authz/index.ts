// The authz room: this file is its only door. It re-exports what other rooms may use.

export * from './policy/index.js';
