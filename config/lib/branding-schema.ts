// The branding keys of the pages Portcullis renders (docs/pages.md): Pomerium's colour, logo,
// favicon and first-paragraph keys plus Portcullis' name and support link. Every value reaches
// HTML or CSS, so each is refused unless it is exactly what it claims to be: a hex colour, an
// https URL with no quote, bracket, backslash or space, or plain text without markup.
import * as z from 'zod';

const issue = (message: string, code: string) => ({ message, params: { code } });

const color = (desc: string) =>
  z
    .string()
    .regex(
      /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/,
      issue('must be a hex colour like #1a2b3c', 'invalid_color'),
    )
    .optional()
    .describe(desc);

/** An absolute https URL whose text is safe in an attribute (no quote, bracket, space, `\`). */
export function isSafeBrandingUrl(value: string): boolean {
  if (/["'<>`\\\s()]/.test(value)) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

const url = (desc: string) =>
  z
    .string()
    .refine(
      isSafeBrandingUrl,
      issue('must be an absolute https:// URL (no quotes, brackets or spaces)', 'invalid_url'),
    )
    .optional()
    .describe(desc);

/** Plain text: no markup characters, no control characters, at most `max` characters. */
const text = (desc: string, max: number) =>
  z
    .string()
    .max(max)
    .refine(
      (v) =>
        !/[<>{}\\]/.test(v) && ![...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127),
      issue('must be plain text (no <, >, {, }, \\ or control characters)', 'invalid_text'),
    )
    .optional()
    .describe(desc);

export const brandingShape = {
  primary_color: color('hex colour of buttons and links on Portcullis pages (light)'),
  secondary_color: color('hex accent colour on Portcullis pages (light)'),
  darkmode_primary_color: color('hex colour of buttons and links on Portcullis pages (dark)'),
  darkmode_secondary_color: color('hex accent colour on Portcullis pages (dark)'),
  logo_url: url('https URL of the logo shown on Portcullis pages'),
  favicon_url: url('https URL of the favicon of Portcullis pages'),
  error_message_first_paragraph: text('a paragraph shown first on error pages', 1000),
  branding_name: text('name shown on Portcullis pages (default Portcullis)', 80),
  branding_support_url: url('https URL of your support page, linked from error pages'),
  branding_support_text: text('support text (or link text) shown on error pages', 300),
};
