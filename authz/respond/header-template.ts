// set_request_headers templates (docs/pomerium-behaviour.md §4.4): `$name.path`, `${ name.path }`,
// `${pomerium.request.headers["X"]}`, `$$` for a literal `$`. Parsed once at config load into
// parts; rendering is a single pass (a substituted value is never expanded again) and any
// unknown variable renders as ''.

/** The values a template can read for one request. */
export interface TemplateValues {
  readonly accessToken: string;
  readonly idToken: string;
  /** The signed assertion ('' when the route's templates do not use it). */
  readonly jwt: string;
  readonly clientCertFingerprint: string;
  readonly clientCertSanDns: string;
  readonly clientCertSanEmail: string;
  /** Request header by lower-case name ('' when absent). */
  header(name: string): string;
}

type Part =
  | { readonly t: 'text'; readonly v: string }
  | { readonly t: 'var'; readonly name: string }
  | { readonly t: 'header'; readonly name: string };

export interface HeaderTemplate {
  readonly parts: readonly Part[];
  /** True when the template reads `pomerium.jwt` (rendering must sign). */
  readonly needsJwt: boolean;
}

const BARE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;
const HEADER_REF = /^pomerium\.request\.headers\[\s*"([^"]*)"\s*\]$/;

function variable(expr: string): Part {
  const e = expr.trim();
  const h = HEADER_REF.exec(e);
  if (h) return { t: 'header', name: (h[1] as string).toLowerCase() };
  return { t: 'var', name: e };
}

/** Parses one template. Never throws: malformed `${` is kept as text. */
export function parseHeaderTemplate(text: string): HeaderTemplate {
  const parts: Part[] = [];
  let buf = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c !== '$') {
      buf += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      buf += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = text.indexOf('}', i + 2);
      if (end === -1) {
        buf += text.slice(i);
        break;
      }
      if (buf !== '') parts.push({ t: 'text', v: buf });
      buf = '';
      parts.push(variable(text.slice(i + 2, end)));
      i = end + 1;
      continue;
    }
    const rest = text.slice(i + 1);
    const m = BARE.exec(rest);
    if (!m) {
      buf += '$';
      i++;
      continue;
    }
    let expr = m[0];
    const header = /^\["([^"]*)"\]/.exec(rest.slice(expr.length));
    if (expr === 'pomerium.request.headers' && header) expr += header[0];
    if (buf !== '') parts.push({ t: 'text', v: buf });
    buf = '';
    parts.push(variable(expr));
    i += 1 + expr.length;
  }
  if (buf !== '') parts.push({ t: 'text', v: buf });
  return { parts, needsJwt: parts.some((p) => p.t === 'var' && p.name === 'pomerium.jwt') };
}

/** Renders a parsed template (single pass). */
export function renderHeaderTemplate(tpl: HeaderTemplate, values: TemplateValues): string {
  let out = '';
  for (const p of tpl.parts) {
    if (p.t === 'text') out += p.v;
    else if (p.t === 'header') out += values.header(p.name);
    else {
      switch (p.name) {
        case 'pomerium.access_token':
          out += values.accessToken;
          break;
        case 'pomerium.id_token':
          out += values.idToken;
          break;
        case 'pomerium.jwt':
          out += values.jwt;
          break;
        case 'pomerium.client_cert_fingerprint':
          out += values.clientCertFingerprint;
          break;
        case 'pomerium.client_cert_san_dns':
          out += values.clientCertSanDns;
          break;
        case 'pomerium.client_cert_san_email':
          out += values.clientCertSanEmail;
          break;
        default:
          break;
      }
    }
  }
  return out;
}
