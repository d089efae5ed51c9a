// `source_ip`: the client IP (as Envoy computed it) lies in any of the given CIDRs; a bare IP is
// a /32 (IPv4) or /128 (IPv6). IPv4-mapped IPv6 clients match IPv4 ranges.
import type { CompileContext, CriterionCompiler } from '../lib/criterion.js';
import { q, qList } from '../lib/criterion.js';
import { type IpRange, inRange, ipRange, parseClientIp, parseIp } from '../lib/ip-ranges.js';
import { requestCriterion } from '../lib/session-criterion.js';

function range(spec: string, ctx: CompileContext, at: number[]): IpRange | undefined {
  const slash = spec.indexOf('/');
  const addr = parseIp(slash < 0 ? spec : spec.slice(0, slash));
  if (addr === undefined || spec.includes('%')) {
    ctx.problem(`${q(spec)} is not an IP address or CIDR`, at);
    return undefined;
  }
  const max = addr.family === 4 ? 32 : 128;
  if (slash < 0) return ipRange(addr, max);
  const bitsText = spec.slice(slash + 1);
  const bits = Number(bitsText);
  // an IPv4-mapped IPv6 CIDR counts its prefix over 128 bits
  const mapped = addr.family === 4 && spec.slice(0, slash).includes(':');
  const limit = mapped ? 128 : max;
  if (!/^\d{1,3}$/.test(bitsText) || bits > limit || (mapped && bits < 96)) {
    ctx.problem(`${q(spec)} has an invalid prefix length`, at);
    return undefined;
  }
  return ipRange(addr, mapped ? bits - 96 : bits);
}

export const compileSourceIp: CriterionCompiler = (value, _sub, ctx) => {
  const specs = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(specs) || specs.length === 0 || !specs.every((s) => typeof s === 'string')) {
    ctx.problem('source_ip needs an IP address or CIDR, or a non-empty list of them');
    return undefined;
  }
  const ranges: IpRange[] = [];
  let ok = true;
  specs.forEach((s: string, i) => {
    const r = range(s.trim(), ctx, typeof value === 'string' ? [] : [i]);
    if (r === undefined) ok = false;
    else ranges.push(r);
  });
  if (!ok) return undefined;
  const words = qList(specs, '');
  const n = ranges.length;
  return requestCriterion(
    'source_ip',
    'source-ip-ok',
    'source-ip-unauthorized',
    {
      wanted: `the client IP must be in ${words}`,
      wantedNot: `the client IP must not be in ${words}`,
    },
    (req) => {
      const ip = parseClientIp(req.sourceIp);
      if (ip === undefined) return false;
      for (let i = 0; i < n; i++) if (inRange(ranges[i]!, ip)) return true;
      return false;
    },
    (req) => (req.sourceIp === '' ? 'the client IP is unknown' : `your IP is ${q(req.sourceIp)}`),
  );
};
