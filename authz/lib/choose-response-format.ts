// Which body a denial gets (reference §3.6): gRPC and gRPC-Web clients by content-type, JSON when
// Accept prefers application/json over text/html, else the HTML page.

export type ResponseFormat = 'grpc' | 'grpc-web' | 'json' | 'html';

interface Range {
  readonly type: string;
  readonly sub: string;
  readonly q: number;
}

function parseAccept(accept: string): Range[] {
  const out: Range[] = [];
  for (const part of accept.split(',')) {
    const [media, ...params] = part.trim().split(';');
    const [type, sub] = (media ?? '').trim().toLowerCase().split('/');
    if (!type || !sub) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (Number.isFinite(q)) out.push({ type, sub, q });
  }
  return out;
}

/** q of a media type under the most specific matching range (0 when none matches). */
export function qualityOf(accept: string, media: string): number {
  const [type, sub] = media.split('/');
  let best = -1;
  let q = 0;
  for (const r of parseAccept(accept)) {
    const spec =
      r.type === type && r.sub === sub
        ? 2
        : r.type === type && r.sub === '*'
          ? 1
          : r.type === '*'
            ? 0
            : -1;
    if (spec > best) {
      best = spec;
      q = r.q;
    }
  }
  return q;
}

export function chooseResponseFormat(headers: Readonly<Record<string, string>>): ResponseFormat {
  const ct = (headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('application/grpc-web')) return 'grpc-web';
  if (ct === 'application/grpc' || ct.startsWith('application/grpc+')) return 'grpc';
  const accept = headers.accept ?? '';
  if (accept !== '' && qualityOf(accept, 'application/json') > qualityOf(accept, 'text/html')) {
    return 'json';
  }
  return 'html';
}
