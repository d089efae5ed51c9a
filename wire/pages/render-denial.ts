// The denial card (docs/pages.md): what was asked (host and path), who you are, each failing
// rule once in plain words (Markdown `code` spans rendered, everything escaped), what you can do
// (sign in, sign in as someone else, your details, support) and the request id, selectable with
// one click without JavaScript. Used by authz for every HTML denial (400/401/403/404/495/503).
import { escapeHtml, inlineMarkdown, renderDocument, safeHref } from './render-document.js';
import type { Theme } from './theme.js';

export interface DenialFailureView {
  readonly criterion: string;
  readonly wanted: string;
  readonly got: string;
  readonly reason: string;
}

export interface DenialView {
  readonly status: number;
  readonly error: string;
  readonly requestId: string;
  readonly explanation?: string | undefined;
  readonly failures?: readonly DenialFailureView[] | undefined;
  /** The host and path asked for (absent when unknown). */
  readonly host?: string | undefined;
  readonly path?: string | undefined;
  /** Who the request was from: an email or user id; null = not signed in; undefined = unknown. */
  readonly who?: string | null | undefined;
  readonly signInUrl?: string | undefined;
  readonly userInfoUrl?: string | undefined;
}

const HEADLINES: Readonly<Record<number, [string, string]>> = {
  302: ['Sign in to continue', 'You need to sign in before you can open this page.'],
  400: ['This request could not be handled', 'Something in the request was not acceptable.'],
  401: ['Sign in to continue', 'You need to sign in before you can open this page.'],
  403: ["You don't have access to this page", 'Your account is not allowed to open it.'],
  404: ['Nothing here', 'No application is served at this address.'],
  495: [
    'A client certificate is required',
    'This page needs a valid client certificate from your device.',
  ],
  503: [
    'Temporarily unavailable',
    'The service could not decide on your request right now. Please try again shortly.',
  ],
};

export function headlineOf(status: number): [string, string] {
  return HEADLINES[status] ?? ['Request refused', 'This request was refused.'];
}

function failureList(view: DenialView): string {
  const failures = view.failures ?? [];
  if (failures.length === 0) {
    return view.explanation
      ? `<h2>Why</h2><p class="problem" id="explanation">${inlineMarkdown(view.explanation)}</p>`
      : '';
  }
  // The policy's explanation is the failures as one sentence, sometimes after a summary clause
  // ("a deny rule matched: …"): only that clause is shown above the list, so no rule is said
  // twice; an explanation of another shape is shown whole.
  const joined = failures.map((f) => (f.got ? `${f.wanted} (${f.got})` : f.wanted)).join('; ');
  const explanation = view.explanation ?? '';
  const summary =
    explanation === '' || explanation === joined
      ? undefined
      : explanation.endsWith(joined)
        ? explanation.slice(0, explanation.length - joined.length).replace(/[\s:]+$/, '')
        : explanation;
  const items = failures
    .map(
      (f) =>
        `<li><code>${escapeHtml(f.criterion)}</code>: ${inlineMarkdown(f.wanted)}${f.got ? ` <span class="muted">— ${inlineMarkdown(f.got)}</span>` : ''}</li>`,
    )
    .join('\n');
  return `<h2>Why</h2>
<div class="problem">${summary ? `<p id="explanation">${inlineMarkdown(cap(summary))}.</p>` : ''}
<ul class="rules" id="failures">
${items}
</ul></div>`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function renderDenialPage(view: DenialView, theme: Theme): string {
  const [title, lead] = headlineOf(view.status);
  const facts: string[] = [];
  if (view.host) {
    facts.push(
      `<dt>Requested</dt><dd><code id="requested">${escapeHtml(view.host)}${escapeHtml(view.path ?? '')}</code></dd>`,
    );
  }
  if (view.who !== undefined) {
    facts.push(
      `<dt>Signed in as</dt><dd id="who">${view.who === null ? 'not signed in' : escapeHtml(view.who)}</dd>`,
    );
  }
  facts.push(
    `<dt>Request id</dt><dd><code class="reqid" id="request-id" tabindex="0">${escapeHtml(view.requestId)}</code></dd>`,
  );
  const actions: string[] = [];
  const signIn = safeHref(view.signInUrl);
  if (signIn) {
    actions.push(
      `<li><a class="button" id="sign-in" href="${escapeHtml(signIn)}">Sign in</a></li>`,
    );
  }
  if (view.status === 403 && view.who) {
    actions.push(
      '<li><a class="button" id="switch-account" href="/.pomerium/sign_out">Sign in as someone else</a></li>',
    );
  }
  if (view.status === 503 || view.status === 404) {
    actions.push('<li><a class="button" id="retry" href="/">Go to the start page</a></li>');
  }
  const link = safeHref(view.userInfoUrl ?? (view.status === 403 ? '/.pomerium/' : undefined));
  if (link) {
    actions.push(
      `<li><a class="button secondary" id="user-info" href="${escapeHtml(link)}">Your account details</a></li>`,
    );
  }
  const support = safeHref(theme.supportUrl);
  const supportLine = support
    ? `<p id="support">Need help? <a href="${escapeHtml(support)}">${escapeHtml(theme.supportText ?? 'Contact support')}</a> and quote the request id.</p>`
    : theme.supportText
      ? `<p id="support">${escapeHtml(theme.supportText)}</p>`
      : '<p id="support" class="muted">If you think this is wrong, send the request id to your administrator.</p>';
  const main = `<section class="card" aria-labelledby="title">
<p class="kicker">Error ${view.status}</p>
<h1 id="title">${escapeHtml(title)}</h1>
<p class="lead">${escapeHtml(lead)}</p>
${theme.firstParagraph ? `<p id="first-paragraph">${escapeHtml(theme.firstParagraph)}</p>` : ''}
${actions.length > 0 ? `<ul class="actions">${actions.join('')}</ul>` : ''}
${failureList(view)}
<h2>Details</h2>
<dl class="facts">${facts.join('')}</dl>
${supportLine}
</section>`;
  return renderDocument({ theme, title: `${view.status} ${title}`, main });
}
