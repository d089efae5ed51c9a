// The design system's theme (docs/pages.md): one stylesheet for every page Portcullis renders,
// served by authn under a hashed name, with the branding keys (primary_color, secondary_color,
// darkmode_*, logo_url, favicon_url, branding_name, branding_support_*) folded in. Colours are
// validated hex values (config/lib/branding-schema.ts); the text colours drawn from them are
// chosen here so that every text keeps a contrast of at least 4.5:1.
import { createHash } from 'node:crypto';

/** The slice of the config the pages read (the parsed Config satisfies it). */
export interface BrandingInput {
  readonly primary_color?: string | undefined;
  readonly secondary_color?: string | undefined;
  readonly darkmode_primary_color?: string | undefined;
  readonly darkmode_secondary_color?: string | undefined;
  readonly logo_url?: string | undefined;
  readonly favicon_url?: string | undefined;
  readonly error_message_first_paragraph?: string | undefined;
  readonly branding_name?: string | undefined;
  readonly branding_support_url?: string | undefined;
  readonly branding_support_text?: string | undefined;
  readonly authenticate_service_url?: string | undefined;
  readonly idp_provider_url?: string | undefined;
}

export interface Theme {
  readonly css: string;
  /** `/.pomerium/assets/portcullis-<hash>.css` */
  readonly cssPath: string;
  readonly name: string;
  readonly logoUrl: string | undefined;
  readonly faviconUrl: string | undefined;
  readonly supportUrl: string | undefined;
  readonly supportText: string | undefined;
  readonly firstParagraph: string | undefined;
  /** The Content-Security-Policy of every page. */
  readonly csp: string;
}

export const ASSET_PREFIX = '/.pomerium/assets/';

/** The default favicon (a portcullis grid), served by authn next to the stylesheet. */
export const FAVICON_PATH = `${ASSET_PREFIX}favicon.svg`;
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2f55d4"/><path d="M4 3v10M8 3v10M12 3v10M3 6h10M3 10h10" stroke="#fff" stroke-width="1.5"/></svg>';

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#abc` / `#aabbcc` → [r, g, b] (0..255); undefined for anything else. */
export function parseHexColor(value: string): [number, number, number] | undefined {
  if (!HEX.test(value)) return undefined;
  const h =
    value.length === 4
      ? value
          .slice(1)
          .split('')
          .map((c) => c + c)
          .join('')
      : value.slice(1);
  return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance([r, g, b]: readonly number[]): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

/** WCAG 2.x contrast ratio of two colours given as [r, g, b]. */
export function contrastRatio(a: readonly number[], b: readonly number[]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

interface Palette {
  readonly bg: string;
  readonly card: string;
  readonly text: string;
  readonly muted: string;
  readonly border: string;
  readonly primary: string;
  readonly accent: string;
  readonly codeBg: string;
  readonly dangerBg: string;
  readonly dangerText: string;
}

const LIGHT: Palette = {
  bg: '#f4f6f8',
  card: '#ffffff',
  text: '#1b1f24',
  muted: '#4d5663',
  border: '#d3d9e0',
  primary: '#2f55d4',
  accent: '#2f55d4',
  codeBg: '#eef1f5',
  dangerBg: '#fdf0ef',
  dangerText: '#8a1c12',
};

const DARK: Palette = {
  bg: '#0e1116',
  card: '#171b22',
  text: '#e7ebf0',
  muted: '#a9b2bf',
  border: '#343b46',
  primary: '#8eaefc',
  accent: '#8eaefc',
  codeBg: '#252b35',
  dangerBg: '#3a1714',
  dangerText: '#ffc2bb',
};

/** The text colour on a filled button of `primary`: black or white, whichever contrasts more. */
function onColor(rgb: readonly number[]): string {
  return contrastRatio(rgb, [255, 255, 255]) >= contrastRatio(rgb, [17, 17, 17])
    ? '#ffffff'
    : '#111111';
}

function variables(p: Palette, brand: string | undefined, accent: string | undefined): string {
  const card = parseHexColor(p.card)!;
  const brandRgb = brand !== undefined ? parseHexColor(brand) : undefined;
  const primary = brandRgb ? brand! : p.primary;
  const primaryRgb = brandRgb ?? parseHexColor(p.primary)!;
  // a brand colour too pale (or too dark) for text on the card still fills buttons and bars
  const link = contrastRatio(primaryRgb, card) >= 4.5 ? primary : p.primary;
  return [
    `--bg:${p.bg}`,
    `--card:${p.card}`,
    `--text:${p.text}`,
    `--muted:${p.muted}`,
    `--border:${p.border}`,
    `--primary:${primary}`,
    `--on-primary:${onColor(primaryRgb)}`,
    `--link:${link}`,
    `--accent:${accent !== undefined && parseHexColor(accent) ? accent : primary}`,
    `--code-bg:${p.codeBg}`,
    `--danger-bg:${p.dangerBg}`,
    `--danger-text:${p.dangerText}`,
  ].join(';');
}

const BASE_CSS = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--link);text-underline-offset:.15em}
a:focus-visible,button:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--link);outline-offset:2px;border-radius:4px}
.skip{position:absolute;left:-9999px}
.skip:focus{left:1rem;top:1rem;background:var(--card);padding:.5rem;z-index:1}
.top{display:flex;align-items:center;gap:.75rem;padding:.75rem 1rem;background:var(--card);border-bottom:1px solid var(--border);border-top:4px solid var(--accent)}
.top img{display:block;max-height:32px;max-width:160px;width:auto;height:auto}
.brand{font-weight:650;color:var(--text);text-decoration:none}
main{flex:1;width:100%;max-width:46rem;margin:0 auto;padding:1.25rem 1rem 2.5rem}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:1.25rem;overflow-wrap:anywhere}
.card+.card{margin-top:1rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.05rem;line-height:1.3;margin:1.25rem 0 .5rem}
p{margin:.5rem 0}
.kicker{margin:0 0 .25rem;color:var(--muted);font-size:.875rem;font-weight:600;letter-spacing:.03em}
.lead{font-size:1.0625rem}
.muted{color:var(--muted)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0 0;padding:0;list-style:none}
.actions form{margin:0}
.button{display:inline-flex;align-items:center;min-height:44px;padding:.5rem 1rem;border-radius:8px;border:2px solid var(--primary);background:var(--primary);color:var(--on-primary);font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.button.secondary{background:transparent;color:var(--link);border-color:var(--border)}
.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:0}
.facts dt{color:var(--muted)}
.facts dd{margin:0;min-width:0}
.rules{margin:.25rem 0;padding-left:1.25rem}
.rules li{margin:.35rem 0}
.problem{background:var(--danger-bg);color:var(--danger-text);border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;background:var(--code-bg);color:var(--text);padding:.05em .3em;border-radius:4px}
.reqid{display:inline-block;user-select:all;-webkit-user-select:all;cursor:text;padding:.25rem .5rem;border:1px dashed var(--border)}
.routes{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.routes li{display:flex;gap:.75rem;align-items:flex-start;padding:.75rem;border:1px solid var(--border);border-radius:10px}
.routes img{width:32px;height:32px;object-fit:contain;flex:none}
.routes a{font-weight:600}
.routes p{margin:.125rem 0 0;color:var(--muted)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.375rem .5rem;border-bottom:1px solid var(--border)}
th{color:var(--muted);font-weight:600;width:35%}
footer{padding:1rem;text-align:center;color:var(--muted);font-size:.875rem}
@media (max-width:30rem){.facts{grid-template-columns:minmax(0,1fr)}.facts dd{margin-bottom:.5rem}th{width:auto}h1{font-size:1.3rem}main{padding:1rem .75rem 2rem}.card{padding:1rem}}
`;

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Strict: no script at all, styles and images only from us (and https images for logos). */
function buildCsp(input: BrandingInput): string {
  const forms = new Set(["'self'"]);
  for (const u of [input.authenticate_service_url, input.idp_provider_url]) {
    const o = originOf(u);
    if (o !== undefined) forms.add(o);
  }
  return [
    "default-src 'none'",
    "script-src 'none'",
    "style-src 'self'",
    "img-src 'self' https:",
    `form-action ${[...forms].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const cache = new Map<string, Theme>();

/** The theme of a config (memoised on its branding values: configs reload rarely). */
export function themeOf(input: BrandingInput = {}): Theme {
  const key = JSON.stringify([
    input.primary_color,
    input.secondary_color,
    input.darkmode_primary_color,
    input.darkmode_secondary_color,
    input.logo_url,
    input.favicon_url,
    input.error_message_first_paragraph,
    input.branding_name,
    input.branding_support_url,
    input.branding_support_text,
    input.authenticate_service_url,
    input.idp_provider_url,
  ]);
  const hit = cache.get(key);
  if (hit) return hit;
  const css = `:root{color-scheme:light;${variables(LIGHT, input.primary_color, input.secondary_color)}}
@media (prefers-color-scheme:dark){:root{color-scheme:dark;${variables(
    DARK,
    input.darkmode_primary_color ?? undefined,
    input.darkmode_secondary_color,
  )}}}
${BASE_CSS}`;
  const hash = createHash('sha256').update(css).digest('hex').slice(0, 16);
  const theme: Theme = Object.freeze({
    css,
    cssPath: `${ASSET_PREFIX}portcullis-${hash}.css`,
    name: input.branding_name ?? 'Portcullis',
    logoUrl: input.logo_url,
    faviconUrl: input.favicon_url,
    supportUrl: input.branding_support_url,
    supportText: input.branding_support_text,
    firstParagraph: input.error_message_first_paragraph,
    csp: buildCsp(input),
  });
  if (cache.size > 16) cache.clear();
  cache.set(key, theme);
  return theme;
}
