import type { Config } from '../../config/index.js';
import { ERROR_TABLE, type ErrorCode } from '../../errors/index.js';
import { themeOf } from '../../wire/index.js';
import type { AuthzRequest, AuthzResponse } from '../lib/authz-types.js';
import { buildDenial, STATUS_TEXT } from './build-denial.js';

/**
 * The denial for an error: its status from the error table (errors/error-table.ts), except that a
 * failure of our own is 503 (fail closed; the proxy never answers 500 for its own fault). Its
 * HTML page wears the config's branding (`branding_*`, colours, logo: docs/pages.md) like every
 * other denial, and names what was asked when the request could be read; who is signed in is
 * not said (the failure may have come before the session was known).
 */
export function denialForError(
  req: Pick<AuthzRequest, 'requestId'> & {
    http?: {
      readonly headers: Readonly<Record<string, string>>;
      readonly host?: string;
      readonly path?: string;
    };
  },
  code: ErrorCode,
  config?: Config,
): AuthzResponse {
  const http = ERROR_TABLE[code].http;
  const status = http >= 500 ? 503 : http;
  return buildDenial(
    {
      status,
      error: STATUS_TEXT[status]!,
      requestId: req.requestId,
      code,
      page: {
        host: req.http?.host ?? '',
        path: req.http?.path ?? '',
        who: undefined,
        theme: themeOf(config),
      },
    },
    req.http?.headers ?? {},
  );
}
