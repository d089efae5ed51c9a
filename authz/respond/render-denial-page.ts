// The HTML page of a denial, on the design system (wire/pages/render-denial.ts): status, what
// was asked, who you are, the failing rules once, what you can do and the request id.

import { escapeHtml, renderDenialCard as renderCard, themeOf } from '../../wire/index.js';
import type { DenialInfo } from '../lib/authz-types.js';

export { escapeHtml };

export function renderDenialPage(info: DenialInfo): string {
  const location = info.headers?.find(([h]) => h === 'location')?.[1];
  const page = info.page;
  return renderCard(
    {
      status: info.status,
      error: info.error,
      requestId: info.requestId,
      explanation: info.explanation,
      failures: info.failures,
      host: page?.host,
      path: page?.path,
      who: page?.who,
      signInUrl: location,
      userInfoUrl: info.userInfoUrl,
    },
    page?.theme ?? themeOf(),
  );
}

/** The Content-Security-Policy of a denial page. */
export function denialPageCsp(info: DenialInfo): string {
  return (info.page?.theme ?? themeOf()).csp;
}
