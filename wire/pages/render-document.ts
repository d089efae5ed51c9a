// The page frame of the design system (docs/pages.md): `lang`, viewport, the hashed stylesheet,
// a header with the logo and name, one <main>, a footer. No script and no inline style: the
// page's Content-Security-Policy (theme.csp) forbids both. Every dynamic value is escaped here
// or by the caller with `escapeHtml`; `inlineMarkdown` renders only `code` spans, after escaping.
import { FAVICON_PATH, type Theme } from './theme.js';

const ESC: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESC[c] as string);
}

/**
 * Plain words with Markdown `code` spans (how policy explanations quote values): the text is
 * escaped first, then each backtick pair becomes <code>; nothing else of Markdown is honoured.
 */
export function inlineMarkdown(text: string): string {
  return text
    .split(/`([^`]*)`/)
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

/** Only http(s) URLs become links; anything else (javascript:, data:, …) is refused. */
export function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export interface DocumentOptions {
  readonly theme: Theme;
  readonly title: string;
  /** Already-escaped HTML of <main>. */
  readonly main: string;
}

export function renderDocument({ theme, title, main }: DocumentOptions): string {
  const logo = safeHref(theme.logoUrl);
  const favicon = safeHref(theme.faviconUrl);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${escapeHtml(theme.name)}</title>
<link rel="stylesheet" href="${escapeHtml(theme.cssPath)}">
<link rel="icon" href="${escapeHtml(favicon ?? FAVICON_PATH)}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">${logo ? `<img src="${escapeHtml(logo)}" alt="">` : ''}<span class="brand">${escapeHtml(theme.name)}</span></header>
<main id="main">
${main}
</main>
<footer>${theme.name === 'Portcullis' ? 'Portcullis' : `${escapeHtml(theme.name)} · secured by Portcullis`}</footer>
</body></html>`;
}

/** A simple page: a card with a title, a kicker (status line) and body HTML. */
export function renderCardPage(theme: Theme, title: string, body: string, kicker?: string): string {
  return renderDocument({
    theme,
    title,
    main: `<section class="card" aria-labelledby="title">
${kicker ? `<p class="kicker">${escapeHtml(kicker)}</p>` : ''}<h1 id="title">${escapeHtml(title)}</h1>
${body}
</section>`,
  });
}
