// Every HTML page authn serves: small, server-rendered, every dynamic value escaped.

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A complete page; `body` must already be escaped HTML. */
export function renderPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
button{padding:.4rem 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

/** The page of a refused request: status, code and a short explanation; no internals. */
export function renderErrorPage(status: number, code: string, message: string): string {
  return renderPage(
    status === 401
      ? 'Sign-in required'
      : status >= 500
        ? 'Something went wrong'
        : 'Request refused',
    `<p>${escapeHtml(message)}</p><p><small>status ${status} · code <code>${escapeHtml(code)}</code></small></p>`,
  );
}
