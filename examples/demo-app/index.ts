// The demo upstream app, importable by the quickstart launcher, tests and benchmarks.
export {
  type DemoApp,
  type DemoAppOptions,
  type DemoAppReport,
  startDemoApp,
} from './create-demo-app.js';
export { type AssertionCheck, createAssertionVerifier } from './verify-assertion.js';
