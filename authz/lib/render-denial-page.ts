// The HTML page of a denial: status, what was wrong in words (the policy's explanation and the
// failing criteria), the request id to quote, and a link to the `/.pomerium/` user page.
import type { DenialInfo } from './authz-types.js';

const ESC: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESC[c] as string);
}

export function renderDenialPage(info: DenialInfo): string {
  const rows = (info.failures ?? [])
    .map(
      (f) =>
        `<li><code>${escapeHtml(f.criterion)}</code> (${escapeHtml(f.reason)}): ${escapeHtml(f.wanted)}${
          f.got ? ` — ${escapeHtml(f.got)}` : ''
        }</li>`,
    )
    .join('');
  const link = info.userInfoUrl ?? '/.pomerium/';
  const location = info.headers?.find(([h]) => h === 'location')?.[1];
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${info.status} ${escapeHtml(info.error)}</title></head><body>`,
    `<h1>${info.status} ${escapeHtml(info.error)}</h1>`,
    info.explanation ? `<p id="explanation">${escapeHtml(info.explanation)}</p>` : '',
    rows ? `<p>Failing rules:</p><ul id="failures">${rows}</ul>` : '',
    location ? `<p><a href="${escapeHtml(location)}">Sign in</a></p>` : '',
    `<p>Request id: <code id="request-id">${escapeHtml(info.requestId)}</code></p>`,
    `<p><a id="user-info" href="${escapeHtml(link)}">Who am I signed in as? (/.pomerium/)</a></p>`,
    '</body></html>',
  ].join('\n');
}
