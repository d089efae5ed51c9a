// `source_ip`: the client IP (as Envoy computed it) lies in any of the given CIDRs; a bare IP is
// a /32 (IPv4) or /128 (IPv6). IPv4-mapped IPv6 addresses match IPv4 ranges (node:net BlockList).
import { BlockList, isIP } from 'node:net';
import { type CompileContext, type CriterionCompiler, q, qList } from '../lib/criterion.js';
import { requestCriterion } from '../lib/session-criterion.js';

function addRange(list: BlockList, spec: string, ctx: CompileContext, at: number[]): boolean {
  const slash = spec.indexOf('/');
  const addr = slash < 0 ? spec : spec.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) {
    ctx.problem(`${q(spec)} is not an IP address or CIDR`, at);
    return false;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash < 0) {
    list.addAddress(addr, type);
    return true;
  }
  const bitsText = spec.slice(slash + 1);
  const bits = Number(bitsText);
  if (!/^\d{1,3}$/.test(bitsText) || bits > (family === 4 ? 32 : 128)) {
    ctx.problem(`${q(spec)} has an invalid prefix length`, at);
    return false;
  }
  list.addSubnet(addr, bits, type);
  return true;
}

export const compileSourceIp: CriterionCompiler = (value, _sub, ctx) => {
  const specs = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(specs) || specs.length === 0 || !specs.every((s) => typeof s === 'string')) {
    ctx.problem('source_ip needs an IP address or CIDR, or a non-empty list of them');
    return undefined;
  }
  const list = new BlockList();
  let ok = true;
  specs.forEach((s: string, i) => {
    ok = addRange(list, s.trim(), ctx, typeof value === 'string' ? [] : [i]) && ok;
  });
  if (!ok) return undefined;
  const words = qList(specs, '');
  return requestCriterion(
    'source_ip',
    'source-ip-ok',
    'source-ip-unauthorized',
    {
      wanted: `the client IP must be in ${words}`,
      wantedNot: `the client IP must not be in ${words}`,
    },
    (req) => {
      const family = isIP(req.sourceIp);
      return family !== 0 && list.check(req.sourceIp, family === 4 ? 'ipv4' : 'ipv6');
    },
    (req) => (req.sourceIp === '' ? 'the client IP is unknown' : `your IP is ${q(req.sourceIp)}`),
  );
};
