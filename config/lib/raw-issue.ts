// An issue before it is positioned: code, key path and message (positions are added in one place).
import type { ConfigIssueCode } from '../config-error.js';

export interface RawIssue {
  readonly code: ConfigIssueCode;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Point at the key itself rather than its value (unknown and removed keys). */
  readonly atKey?: boolean;
}
