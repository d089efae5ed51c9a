// The criteria Portcullis knows, by name (docs/pomerium-behaviour.md §1.5 HTTP criteria plus our date/time ones),
// and the Pomerium criteria it deliberately refuses (so the error says so instead of "unknown").
import { compileAccept, compileReject } from '../criteria/accept-reject.js';
import {
  compileClientCertificate,
  compileInvalidClientCertificate,
} from '../criteria/client-certificate.js';
import { compileDate } from '../criteria/date.js';
import { compileDayOfWeek } from '../criteria/day-of-week.js';
import { compileClaim, compileGroups } from '../criteria/groups-claims.js';
import {
  compileCorsPreflight,
  compileHttpMethod,
  compileHttpPath,
} from '../criteria/http-request.js';
import {
  compileAuthenticatedUser,
  compileDomain,
  compileEmail,
  compileUser,
} from '../criteria/identity-strings.js';
import { compileMcpTool } from '../criteria/mcp-tool.js';
import { compileSourceIp } from '../criteria/source-ip.js';
import { compileTimeOfDay } from '../criteria/time-of-day.js';
import type { CriterionCompiler } from './criterion.js';

export const CRITERIA: ReadonlyMap<string, CriterionCompiler> = new Map([
  ['accept', compileAccept],
  ['reject', compileReject],
  ['authenticated_user', compileAuthenticatedUser],
  ['email', compileEmail],
  ['domain', compileDomain],
  ['user', compileUser],
  ['groups', compileGroups],
  ['claim', compileClaim],
  ['http_method', compileHttpMethod],
  ['http_path', compileHttpPath],
  ['source_ip', compileSourceIp],
  ['client_certificate', compileClientCertificate],
  ['invalid_client_certificate', compileInvalidClientCertificate],
  ['cors_preflight', compileCorsPreflight],
  ['date', compileDate],
  ['day_of_week', compileDayOfWeek],
  ['time_of_day', compileTimeOfDay],
  ['mcp_tool', compileMcpTool],
]);

/** Criteria that take a `/subpath`. */
export const WITH_SUBPATH: ReadonlySet<string> = new Set(['claim']);

/** Pomerium criteria outside Portcullis's scope (devices, SSH, Enterprise records). */
export const UNSUPPORTED: ReadonlySet<string> = new Set([
  'device',
  'ssh_username',
  'ssh_username_matches_email',
  'ssh_username_matches_claim',
  'ssh_publickey',
  'ssh_ca',
  'record',
  'pomerium_routes',
]);
