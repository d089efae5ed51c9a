// Reads an application/x-www-form-urlencoded body with a size limit (form_post callbacks,
// sign-out buttons); anything else or anything larger is refused.
import type { IncomingMessage } from 'node:http';
import { fail } from './authn-error.js';

const LIMIT = 64 * 1024;

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    // drain, so the connection can be reused
    for await (const _ of req) void _;
    if (type === '' || type === undefined) return new URLSearchParams();
    throw fail('AUTHN_BAD_REQUEST', 'expected a form body');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) throw fail('AUTHN_BAD_REQUEST', 'form body too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
