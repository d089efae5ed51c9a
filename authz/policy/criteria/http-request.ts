// Request criteria on the HTTP request itself: `http_method` (as sent), `http_path` (URL-decoded,
// no query) and `cors_preflight` (OPTIONS with Access-Control-Request-Method and Origin).
import { type CriterionCompiler, q } from '../lib/criterion.js';
import { reasonIndex } from '../lib/reasons.js';
import { requestCriterion } from '../lib/session-criterion.js';
import { compileStringMatcher } from '../lib/string-matcher.js';

export const compileHttpMethod: CriterionCompiler = (value, _sub, ctx) => {
  const m = compileStringMatcher(value, ctx);
  if (m === undefined) return undefined;
  return requestCriterion(
    'http_method',
    'http-method-ok',
    'http-method-unauthorized',
    { wanted: `method must ${m.describe}`, wantedNot: `method must not ${m.describe}` },
    (req) => m.test(req.method),
    (req) => `the method is ${q(req.method)}`,
  );
};

export const compileHttpPath: CriterionCompiler = (value, _sub, ctx) => {
  const m = compileStringMatcher(value, ctx);
  if (m === undefined) return undefined;
  return requestCriterion(
    'http_path',
    'http-path-ok',
    'http-path-unauthorized',
    { wanted: `path must ${m.describe}`, wantedNot: `path must not ${m.describe}` },
    (req) => m.test(req.path),
    (req) => `the path is ${q(req.path)}`,
  );
};

const CORS = reasonIndex('cors-request');
const NON_CORS = reasonIndex('non-cors-request');

export const compileCorsPreflight: CriterionCompiler = () => ({
  key: 'cors_preflight',
  wanted: 'the request must be a CORS preflight',
  wantedNot: 'the request must not be a CORS preflight',
  test: (req) =>
    req.method === 'OPTIONS' &&
    req.headers['access-control-request-method'] !== undefined &&
    req.headers.origin !== undefined
      ? CORS
      : NON_CORS,
  got: (req) =>
    req.method === 'OPTIONS' ? 'OPTIONS without Origin and Access-Control-Request-Method' : '',
});
