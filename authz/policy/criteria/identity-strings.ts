// Session criteria on the user's strings: `authenticated_user` (any user id), `email`, `domain`
// (the part after the one `@` of the canonical email) and `user` (the IdP subject, not the
// email). The identity's email is canonical and verified (wire/identity-strings.ts); `email` and
// `domain` literals are lower-cased at compile time so they compare like for like (a deliberate
// difference from Pomerium's exact compare, README § Authentication).
import { emailDomain } from '../../../wire/index.js';
import { type CriterionCompiler, q } from '../lib/criterion.js';
import { sessionCriterion } from '../lib/session-criterion.js';
import { compileStringMatcher } from '../lib/string-matcher.js';

export const compileAuthenticatedUser: CriterionCompiler = () =>
  sessionCriterion({
    key: 'authenticated_user',
    ok: 'user-ok',
    fail: 'user-unauthorized',
    wanted: 'you must be signed in',
    wantedNot: 'you must not be signed in',
    test: (id) => id.userId !== '',
    got: () => 'your session has no user id',
  });

/** Email and domain literals compare in lower case, like the canonical identity email. */
const lowerCase = (literal: string): string => literal.toLowerCase();

export const compileEmail: CriterionCompiler = (value, _sub, ctx) => {
  const m = compileStringMatcher(value, ctx, lowerCase);
  if (m === undefined) return undefined;
  return sessionCriterion({
    key: 'email',
    ok: 'email-ok',
    fail: 'email-unauthorized',
    wanted: `email must ${m.describe}`,
    wantedNot: `email must not ${m.describe}`,
    test: (id) => m.test(id.email),
    got: (id) => (id.email === '' ? 'your session has no email' : `your email is ${q(id.email)}`),
  });
};

export const compileDomain: CriterionCompiler = (value, _sub, ctx) => {
  const m = compileStringMatcher(value, ctx, lowerCase);
  if (m === undefined) return undefined;
  return sessionCriterion({
    key: 'domain',
    ok: 'domain-ok',
    fail: 'domain-unauthorized',
    wanted: `email domain must ${m.describe}`,
    wantedNot: `email domain must not ${m.describe}`,
    test: (id) => {
      const d = emailDomain(id.email);
      return d !== undefined && m.test(d);
    },
    got: (id) => {
      const d = emailDomain(id.email);
      return d === undefined ? 'your email has no domain' : `your email domain is ${q(d)}`;
    },
  });
};

export const compileUser: CriterionCompiler = (value, _sub, ctx) => {
  const m = compileStringMatcher(value, ctx);
  if (m === undefined) return undefined;
  return sessionCriterion({
    key: 'user',
    ok: 'user-ok',
    fail: 'user-unauthorized',
    wanted: `user id must ${m.describe}`,
    wantedNot: `user id must not ${m.describe}`,
    test: (id) => m.test(id.userId),
    got: (id) => `your user id is ${q(id.userId)}`,
  });
};
