// The routes portal page `/.pomerium/routes` (docs/pages.md): the routes the signed-in user may
// open, each with its logo, name and description from the route keys, all escaped; a logo is
// shown only when its URL is https (or http).
import { escapeHtml, renderDocument, safeHref } from './render-document.js';
import type { Theme } from './theme.js';

export interface RouteLink {
  readonly from: string;
  readonly name: string;
  readonly description: string;
  readonly logo_url: string;
}

/**
 * The list item of one route. Memoised per link object: the portal hands out the same frozen
 * link for a route until a reload builds new ones (authz/respond/answer-routes-portal.ts), so a
 * page of 1,000 routes parses and escapes no URL twice.
 */
const items = new WeakMap<RouteLink, string>();

function routeItem(r: RouteLink): string {
  let item = items.get(r);
  if (item !== undefined) return item;
  const href = safeHref(r.from) ?? '#';
  const logo = r.logo_url === '' ? undefined : safeHref(r.logo_url);
  item = `<li>${logo ? `<img src="${escapeHtml(logo)}" alt="">` : ''}<div><a href="${escapeHtml(href)}">${escapeHtml(r.name)}</a>${
    r.description === '' ? '' : `<p>${escapeHtml(r.description)}</p>`
  }</div></li>`;
  if (Object.isFrozen(r)) items.set(r, item);
  return item;
}

export function renderRoutesPage(routes: readonly RouteLink[], theme: Theme): string {
  const items = routes.map(routeItem).join('\n');
  return renderDocument({
    theme,
    title: 'Your applications',
    main: `<section class="card" aria-labelledby="title">
<h1 id="title">Your applications</h1>
${
  routes.length === 0
    ? '<p id="no-routes">There is no application you may open yet.</p>'
    : `<p class="muted">${routes.length === 1 ? 'One application' : `${routes.length} applications`} you may open.</p>
<ul class="routes" id="routes">
${items}
</ul>`
}
<ul class="actions"><li><a class="button secondary" href="/.pomerium/">Your account details</a></li></ul>
</section>`,
  });
}
