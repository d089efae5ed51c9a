// Every HTML page authn serves, on the design system (wire/pages/): small, server-rendered,
// every dynamic value escaped, styles from the hashed stylesheet only.
import { escapeHtml, renderCardPage, type Theme, themeOf } from '../../wire/index.js';

export { escapeHtml };

/** A complete page; `body` must already be escaped HTML. */
export function renderPage(title: string, body: string, theme: Theme = themeOf()): string {
  return renderCardPage(theme, title, body);
}

/** The page of a refused request: status, code and a short explanation; no internals. */
export function renderErrorPage(
  status: number,
  code: string,
  message: string,
  theme: Theme = themeOf(),
): string {
  const title =
    status === 401
      ? 'Sign-in required'
      : status === 404
        ? 'Nothing here'
        : status >= 500
          ? 'Something went wrong'
          : 'Request refused';
  return renderCardPage(
    theme,
    title,
    `<p class="lead">${escapeHtml(message)}</p>
<ul class="actions"><li><a class="button" href="/.pomerium/">Your account details</a></li></ul>
<p class="muted">Status ${status} · code <code>${escapeHtml(code)}</code></p>`,
    `Error ${status}`,
  );
}
