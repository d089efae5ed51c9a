// `accept` always holds and `reject` never does, whatever their value (`accept: false` accepts).
import type { Criterion, CriterionCompiler } from '../lib/criterion.js';
import { reasonIndex } from '../lib/reasons.js';

const ACCEPT = reasonIndex('accept');
const REJECT = reasonIndex('reject');

export const compileAccept: CriterionCompiler = (): Criterion => ({
  key: 'accept',
  wanted: 'everyone is accepted',
  wantedNot: 'nobody is accepted',
  test: () => ACCEPT,
  got: () => '',
});

export const compileReject: CriterionCompiler = (): Criterion => ({
  key: 'reject',
  wanted: 'everyone is rejected (reject)',
  wantedNot: 'everyone is rejected (not reject)',
  test: () => REJECT,
  got: () => '',
});
